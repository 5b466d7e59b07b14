// The reply steps the workflow schedules: beginReply (context, and the answer at once when no step comes
// first), answer (after the steps), finalize (when the answering step could not save), abandonReply (when
// nothing can be saved), discardReply (a withdrawn turn) and the durable repeat of a cancel. The answering
// steps finalize the reply themselves: one Temporal round trip fewer before reply_end.
import { requestCancel } from '../bus/cancel';
import type { AnswerInputs, AnswerResult, Conversation, FinalInput, Finalized, ReplyDetail, ReplyRef, Turn, TurnContext } from '../shared/chat';
import { needsSteps } from '../shared/pipeline';
import { createAnswerStreamer } from './answer';
import { createContextLoader } from './context';
import { createFinalizer, type Opened } from './finalize';
import { ChatActivityDeps, openPublisher, withHeartbeat } from './support';

const NO_INPUTS: AnswerInputs = { docIds: [], deep: false, toolsOutput: '' };
/** How long the running-reply marker outlives its turn's start (a reply never runs longer). */
const RUNNING_TTL_SEC = 3600;

export function createChatActivities(deps: ChatActivityDeps) {
  const loadContext = createContextLoader(deps);
  const finalizer = createFinalizer(deps);
  const streamAnswer = createAnswerStreamer(deps, finalizer);

  /**
   * Finalizes right after the answer, in the same step. If that fails, the answer is returned as it is
   * and the workflow's own finalize step retries it (a retry of this step would find the answer in the log
   * and continue an answer that is complete).
   */
  async function finalizedWith(turn: Turn, { result: answer, opened }: { result: AnswerResult; opened: Opened }, steps: ReplyDetail[]): Promise<AnswerResult> {
    if (answer.finalized) return answer; // it had finished before this attempt
    try {
      return { ...answer, finalized: await withHeartbeat(() => finalizer.finalizeReply(turn, answer, steps, opened, true)) };
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
      // `_cancel` without a message id stops this reply from now on (not a turn queued behind it).
      void deps.redis.set(deps.keys.runningReply(turn.sessionId), turn.replyId, { EX: RUNNING_TTL_SEC }).catch(() => undefined);
      try {
        const { context, access } = await withHeartbeat(() => loadContext(turn, conversation));
        if (needsSteps(turn, context)) return { context, answer: null };
        const answered = await streamAnswer(turn, context, NO_INPUTS, { access, publisher, cancels });
        return { context, answer: finalize ? await finalizedWith(turn, answered, []) : answered.result };
      } finally {
        cancels.drop();
      }
    },

    /** Saves the assistant message under the id used in the chunks, then sends reply_end. A finished reply stays as it was. */
    async finalize(turn: Turn, result: FinalInput, steps: ReplyDetail[] = []): Promise<Finalized> {
      return finalizer.finalizeReply(turn, result, steps, await openPublisher(deps, turn), false);
    },

    abandonReply: finalizer.abandonReply,

    /**
     * Removes what a withdrawn turn left (the API took it back as its user message could not be saved):
     * the reply finalize saved, and the user message in case its write did land after all.
     */
    async discardReply(ref: ReplyRef): Promise<void> {
      await deps.domain.messages.discard(ref.sessionId, [ref.replyId, ref.userMessageId]);
      deps.logger.info({ session_id: ref.sessionId, reply_id: ref.replyId }, 'withdrawn turn discarded');
    },

    /** The workflow's durable repeat of a cancel (the API sends the same notice first). */
    async notifyCancel(replyId: string): Promise<void> {
      await requestCancel(deps.redis, deps.keys, replyId);
    },
  };
}

export type ChatActivities = ReturnType<typeof createChatActivities>;
