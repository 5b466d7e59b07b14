// Ending a reply: save the assistant message under the id used in its chunks, then send reply_end. A
// finished reply is never changed again: a step repeated after the reply finished (its completion never
// reached Temporal, e.g. Temporal was down) finds it finished and returns it as it was.
import type { AnswerResult, FinalInput, Finalized, MessageChunk, ReplyDetail, ReplyEndReason, Turn } from '../shared/chat';
import type { FinishedReply } from '../domain/sessions/messages';
import { historyEntry } from '../shared/history';
import { encodeSpans } from '../shared/reply-index';
import { noteReplyEnd } from '../infra/metrics';
import { ChatActivityDeps, currentAttempt, openPublisher } from './support';

/** A reply's publisher and what its log held when it was opened. */
export type Opened = Awaited<ReturnType<typeof openPublisher>>;

/** Chunks of one kind already published for this reply, joined: what the client has seen. */
export function textOf(chunks: MessageChunk[], type: 'think' | 'response'): string {
  return chunks.filter((c) => c.chunk_type === type && c.message_type === 'assistant').map((c) => c.message_chunk).join('');
}

/** reply_end's payload: why the reply ended, its error, and (on a timeout) what timed out. */
type ReplyEnd = { reason: ReplyEndReason; error?: string; type?: string };

function endOf(details: { type: string; payload?: unknown }[]): ReplyEnd {
  const payload = details.find((d) => d.type === 'reply_end')?.payload as Partial<ReplyEnd> | undefined;
  return { reason: payload?.reason ?? 'completed', ...(payload?.error !== undefined && { error: payload.error }), ...(payload?.type !== undefined && { type: payload.type }) };
}

/** What a finished reply gives the workflow, as if the step that finished it had just returned. */
function resultOf(turn: Turn, saved: FinishedReply): AnswerResult {
  const think = saved.details.find((d) => d.type === 'think')?.description ?? '';
  const finalized: Finalized = { lastSeq: saved.lastSeq, entry: historyEntry(turn.replyId, 'assistant', saved.message) };
  return { text: saved.message, think, reason: endOf(saved.details).reason, lastSeq: saved.lastSeq, finalized };
}

export function createFinalizer(deps: ChatActivityDeps) {
  const { messages } = deps.domain;

  /** reply_end, unless the log has it already (counted once: coco_turns_total and the reply's durations). */
  async function sendEnd(turn: Turn, { publisher, logged }: Opened, end: ReplyEnd, errorMessage?: string) {
    if (logged.chunks.some((c) => c.chunk_type === 'reply_end')) return;
    if (errorMessage) await publisher.send('response', errorMessage, true);
    await publisher.send('reply_end', JSON.stringify(end), true);
    noteReplyEnd(turn.replyId, end.reason, turn.sentAt);
  }

  return {
    /**
     * The reply, if it already finished: its reply_end is in the log, or (for a repeated step, whose
     * earlier attempt may have got as far as saving) it is saved as finished. Null: it still has to be answered.
     */
    async finishedResult(turn: Turn, { logged }: Opened): Promise<AnswerResult | null> {
      const ended = logged.chunks.find((c) => c.chunk_type === 'reply_end');
      if (!ended && currentAttempt() <= 1) return null;
      const saved = await messages.finishedReply(turn.replyId);
      if (saved) return resultOf(turn, saved);
      if (!ended) return null;
      // The log says it ended but nothing was saved (saved before replies kept their last seq): keep what was sent.
      const { reason } = JSON.parse(ended.message_chunk) as { reason: ReplyEndReason };
      return { text: textOf(logged.chunks, 'response'), think: textOf(logged.chunks, 'think'), reason, lastSeq: logged.lastSeq };
    },

    /**
     * Saves the assistant message, then sends reply_end. `fresh`: the caller just produced this result
     * (and checked it was not finished before); otherwise a reply saved as finished is left as it was.
     */
    async finalizeReply(turn: Turn, result: FinalInput, steps: ReplyDetail[], opened: Opened, fresh: boolean): Promise<Finalized> {
      const { publisher, logged } = opened;
      const saved = fresh ? null : await messages.finishedReply(turn.replyId);
      if (saved) {
        const end = endOf(saved.details);
        await sendEnd(turn, opened, end, end.error !== undefined ? saved.message : undefined);
        return { lastSeq: publisher.lastSeq, entry: historyEntry(turn.replyId, 'assistant', saved.message) };
      }
      const reason: ReplyEndReason = result.reason;
      const error = 'error' in result ? result.error : undefined;
      const errorMessage = error === undefined ? undefined : result.reason === 'timeout' ? `⚠️ ${error}` : `⚠️ error in async processing message reply, ${error}`;
      const text = 'text' in result ? result.text || textOf(logged.chunks, 'response') : '';
      const think = 'think' in result ? result.think || textOf(logged.chunks, 'think') : textOf(logged.chunks, 'think');
      const end: ReplyEnd = { reason, ...(error !== undefined && { error }), ...('type' in result && result.type && { type: result.type }) };

      const details: ReplyDetail[] = [...steps];
      if (think) details.push({ order: 50, type: 'think', description: think });
      details.push({ order: 99, type: 'reply_end', description: 'Processing completed', payload: end });
      details.sort((x, y) => x.order - y.order);
      const ended = logged.chunks.some((c) => c.chunk_type === 'reply_end');
      // The seq reply_end gets (after the error message, if any), saved with the message for resume.
      const lastSeq = ended ? logged.lastSeq : publisher.lastSeq + (errorMessage ? 2 : 1);
      await messages.saveReply(turn, errorMessage ?? text, details, { lastSeq, answerIndex: errorMessage ? '' : encodeSpans([...publisher.spans]) });
      await sendEnd(turn, opened, end, errorMessage);
      deps.logger.info({ session_id: turn.sessionId, reply_id: turn.replyId, reason }, 'reply finished');
      return { lastSeq: publisher.lastSeq, entry: historyEntry(turn.replyId, 'assistant', errorMessage ?? text) };
    },

    /**
     * Ends a reply that could not be saved (the workflow gave up on finalize): the client gets the error and
     * reply_end; nothing is written to the database.
     */
    async abandonReply(turn: Turn, error: string): Promise<void> {
      const opened = await openPublisher(deps, turn);
      await sendEnd(turn, opened, { reason: 'error', error }, `⚠️ error in async processing message reply, ${error}`);
      deps.logger.error({ session_id: turn.sessionId, reply_id: turn.replyId, error }, 'reply ended unsaved');
    },
  };
}

export type Finalizer = ReturnType<typeof createFinalizer>;
