// The answer and finalize steps of a reply (the answering steps finalize too), the discard of a withdrawn
// turn, and the durable repeat of a cancel.
import { activityInfo, Context } from '@temporalio/activity';
import { EarlyWatch, requestCancel } from '../bus/cancel';
import type { AnswerInputs, AnswerResult, Conversation, Finalized, MessageChunk, ReplyDetail, ReplyEndReason, ReplyRef, Turn, TurnContext } from '../shared/chat';
import { historyEntry, historyText } from '../shared/history';
import { needsSteps } from '../shared/pipeline';
import { renderTemplate } from '../shared/template';
import { isAbort, streamChat } from './llm';
import { referencesFor } from './references';
import { createContextLoader } from './context';
import { ChatActivityDeps, openPublisher, ProviderAccess, providerAccess, stepError, withHeartbeat } from './support';

export const CONTINUE_PROMPT = 'Continue your previous answer exactly where it stopped. Do not repeat anything already written.';

type FinalInput = AnswerResult | { reason: 'error'; error: string };

const NO_INPUTS: AnswerInputs = { docIds: [], deep: false, toolsOutput: '' };

/** A reply's publisher and what its log held when it was opened. */
type Opened = Awaited<ReturnType<typeof openPublisher>>;

/** What beginReply has read, or started reading, before the answer starts. */
interface Early {
  access?: ProviderAccess;
  publisher?: Promise<Opened>;
  cancels?: EarlyWatch;
}

/** Chunks of one kind already published for this reply, joined: what the client has seen. */
function textOf(chunks: MessageChunk[], type: 'think' | 'response'): string {
  return chunks.filter((c) => c.chunk_type === type && c.message_type === 'assistant').map((c) => c.message_chunk).join('');
}

/** The answer prompt's context (coco-api.md §5.4 step 8): conversation, references, tools output. */
function answerContext(ctx: TurnContext, references: string, toolsOutput: string): string {
  const conversation = historyText(ctx.history, ctx.summary);
  return [
    conversation && `\nConversation:\n${conversation}\n`,
    references && `\nReferences:\n${references}\n`,
    toolsOutput && `\nTools Output:\n${toolsOutput}\n`,
  ]
    .filter(Boolean)
    .join('');
}

export function createChatActivities(deps: ChatActivityDeps) {
  const { domain, redis, keys } = deps;
  const loadContext = createContextLoader(deps);

  /**
   * Streams the answer. A retried attempt (after a crash) reads what the client already received from
   * the reply's log, publishes nothing twice, and asks the model to continue from that text.
   * `early` holds what the caller has already read or started reading. Gives the publisher too, so
   * finalizing in the same step does not read the log again.
   */
  async function streamAnswer(turn: Turn, ctx: TurnContext, inputs: AnswerInputs, early: Early = {}): Promise<{ result: AnswerResult; opened: Opened }> {
    const abort = new AbortController();
    let cancelled = false;
    const onCancel = () => {
      cancelled = true;
      abort.abort();
    };
    const watching = early.cancels ? early.cancels.watch(onCancel) : deps.cancels.watch(turn.replyId, onCancel);
    // The setup reads are independent: in parallel, as this is on the way to the first token.
    let setup: [Opened, ProviderAccess, string];
    try {
      setup = await Promise.all([
        early.publisher ?? openPublisher(deps, turn),
        early.access ?? providerAccess(domain, ctx.model.providerId),
        referencesFor(domain.documents, inputs.docIds, inputs.deep),
      ]);
    } catch (err) {
      (await watching.catch(() => undefined))?.();
      throw err;
    }
    const stopWatching = await watching;
    const [opened, provider, references] = setup;
    const { publisher, logged } = opened;
    let text = textOf(logged.chunks, 'response');
    let think = textOf(logged.chunks, 'think');
    const resumed = logged.chunks.some((c) => c.chunk_type === 'response');
    // Coco's empty marker opens the answer; the publisher keeps order, so the model need not wait for it.
    if (!resumed) void publisher.send('response', '').catch(() => undefined);

    const onTemporalCancel = () => abort.abort();
    Context.current().cancellationSignal.addEventListener('abort', onTemporalCancel);

    const vars = {
      query: ctx.query,
      context: answerContext(ctx, references, inputs.toolsOutput),
      history: historyText(ctx.history, ctx.summary),
      references,
      tools_output: inputs.toolsOutput,
    };
    const messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> = [
      { role: 'system', content: ctx.rolePrompt },
      { role: 'user', content: renderTemplate(ctx.answerTemplate, vars) },
    ];
    if (text) messages.push({ role: 'assistant', content: text }, { role: 'user', content: CONTINUE_PROMPT });

    const progress = () => ({ lastSeq: publisher.lastSeq, chars: text.length, attempt: activityInfo().attempt });
    try {
      if (!cancelled) {
        await withHeartbeat(() => streamChat({
          baseUrl: provider.baseUrl,
          apiKey: provider.apiKey,
          model: ctx.model.name,
          messages,
          settings: ctx.model.settings,
          signal: abort.signal,
          onDelta: (kind, delta) => {
            if (kind === 'think') think += delta;
            else text += delta;
            return publisher.delta(kind, delta);
          },
        }), progress);
      }
    } catch (err) {
      if (!(isAbort(err) && cancelled)) {
        await publisher.flush().catch(() => undefined);
        if (isAbort(err)) throw err; // Temporal cancelled us
        throw stepError(err);
      }
    } finally {
      stopWatching();
      Context.current().cancellationSignal.removeEventListener('abort', onTemporalCancel);
    }
    await publisher.flush();
    return { result: { text, think, reason: cancelled ? 'user_cancelled' : 'completed', lastSeq: publisher.lastSeq }, opened };
  }

  /**
   * Saves the assistant message under the id used in the chunks, then sends reply_end. Idempotent.
   * `opened`: the reply's publisher, when the caller already has it.
   */
  async function finalizeReply(turn: Turn, result: FinalInput, steps: ReplyDetail[], opened?: Opened): Promise<Finalized> {
    const { publisher, logged } = opened ?? (await openPublisher(deps, turn));
    const ended = logged.chunks.some((c) => c.chunk_type === 'reply_end');
    const reason: ReplyEndReason = result.reason;
    const error = result.reason === 'error' ? (result as { error: string }).error : undefined;
    const errorMessage = error !== undefined ? `⚠️ error in async processing message reply, ${error}` : undefined;
    const text = 'text' in result ? result.text || textOf(logged.chunks, 'response') : '';
    const think = 'think' in result ? result.think || textOf(logged.chunks, 'think') : textOf(logged.chunks, 'think');

    const details: ReplyDetail[] = [...steps];
    if (think) details.push({ order: 50, type: 'think', description: think });
    details.push({ order: 99, type: 'reply_end', description: 'Processing completed', payload: { reason, ...(error !== undefined && { error }) } });
    details.sort((x, y) => x.order - y.order);
    await domain.messages.saveReply(turn, errorMessage ?? text, details);
    if (!ended) {
      if (errorMessage) await publisher.send('response', errorMessage, true);
      await publisher.send('reply_end', JSON.stringify({ reason, ...(error !== undefined && { error }) }), true);
    }
    deps.logger.info({ session_id: turn.sessionId, reply_id: turn.replyId, reason }, 'reply finished');
    return { lastSeq: publisher.lastSeq, entry: historyEntry(turn.replyId, 'assistant', errorMessage ?? text) };
  }

  /**
   * Finalizes right after the answer, in the same step: one Temporal round trip fewer before reply_end.
   * If that fails, the answer is returned as it is and the workflow's own finalize step retries it (a
   * retry of this step would ask the model to continue an answer that is complete).
   */
  async function finalizedWith(turn: Turn, { result: answer, opened }: { result: AnswerResult; opened: Opened }, steps: ReplyDetail[]): Promise<AnswerResult> {
    try {
      return { ...answer, finalized: await withHeartbeat(() => finalizeReply(turn, answer, steps, opened)) };
    } catch (err) {
      deps.logger.warn({ err, session_id: turn.sessionId, reply_id: turn.replyId }, 'finalizing with the answer failed; the finalize step follows');
      return answer;
    }
  }

  return {
    /** Streams the answer; with `finalizeWith` (the steps' details), finalizes the reply too. */
    async answer(turn: Turn, ctx: TurnContext, inputs: AnswerInputs = NO_INPUTS, finalizeWith?: ReplyDetail[]): Promise<AnswerResult> {
      const answered = await streamAnswer(turn, ctx, inputs);
      return finalizeWith ? finalizedWith(turn, answered, finalizeWith) : answered.result;
    },

    /**
     * The first step of a turn: loads its context and, when no step comes before the answer (no deep
     * think, search, tools or given sources), streams the answer right away. One activity instead of
     * two saves a Temporal round trip on the way to the first token. With `finalize`, it then saves the
     * reply and sends reply_end too. A retry after a crash reloads the context and continues the answer
     * from the reply's log.
     */
    async beginReply(turn: Turn, conversation?: Conversation, finalize = false): Promise<{ context: TurnContext; answer: AnswerResult | null }> {
      // The reply's log and its cancel notice are read while the context loads; if steps come first,
      // the watch is dropped and the answer step reads them again.
      const publisher = openPublisher(deps, turn);
      publisher.catch(() => undefined);
      const cancels = deps.cancels.early(turn.replyId);
      try {
        const { context, access } = await withHeartbeat(() => loadContext(turn, conversation));
        if (needsSteps(turn, context)) return { context, answer: null };
        const answered = await streamAnswer(turn, context, NO_INPUTS, { access, publisher, cancels });
        return { context, answer: finalize ? await finalizedWith(turn, answered, []) : answered.result };
      } finally {
        cancels.drop();
      }
    },

    /** Saves the assistant message under the id used in the chunks, then sends reply_end. Idempotent. */
    async finalize(turn: Turn, result: FinalInput, steps: ReplyDetail[] = []): Promise<Finalized> {
      return finalizeReply(turn, result, steps);
    },

    /**
     * Removes what a withdrawn turn left (the API took it back as its user message could not be saved):
     * the reply finalize saved, and the user message in case its write did land after all.
     */
    async discardReply(ref: ReplyRef): Promise<void> {
      await domain.messages.discard(ref.sessionId, [ref.replyId, ref.userMessageId]);
      deps.logger.info({ session_id: ref.sessionId, reply_id: ref.replyId }, 'withdrawn turn discarded');
    },

    /** The workflow's durable repeat of a cancel (the API sends the same notice first). */
    async notifyCancel(replyId: string): Promise<void> {
      await requestCancel(redis, keys, replyId);
    },
  };
}

export type ChatActivities = ReturnType<typeof createChatActivities>;
