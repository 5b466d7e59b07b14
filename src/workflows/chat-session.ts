// One workflow per chat session. It queues turns sent by the `sendMessage` update and runs each as a
// pipeline of activities (load context → answer → finalize); tokens flow through Redis, never through
// workflow history. Idle for the assistant's keepalive, it completes; the next send starts it again.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AnswerInputs, AnswerResult, ChatSessionInput, ChatSessionState, ReplyDetail, Turn, TurnContext } from '../shared/chat';
import { ASSISTANT_ID_ATTRIBUTE, cancelSignal, closeSignal, sendMessageUpdate, stateQuery } from './definitions';

const DEFAULT_TURNS_PER_RUN = 100;
const cancelled: AnswerResult = { text: '', think: '', reason: 'user_cancelled', lastSeq: 0 };
const MAX_TEXT = 100_000;

// loadContext runs as a local activity: it is a few quick reads, and skipping a task round trip
// shortens the time to the first token.
const { loadContext } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 },
});

const { finalize, notifyCancel, publishGivenSources } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 },
});

// Steps that call a model: minutes at most, a few retries. They heartbeat while waiting for the model,
// so a dead worker's step is retried elsewhere within seconds.
const { analyzeIntent, retrieveDocuments, pickDocuments, deepRead, generateTitle, compressHistory } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

// The answer streams for minutes; a heartbeat timeout notices a dead worker quickly so another continues.
const { answer } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '6 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 5 },
});

function errorText(err: unknown): string {
  let e = err as { cause?: unknown; message?: string } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

export async function chatSession(input: ChatSessionInput): Promise<ChatSessionState> {
  const queue: Turn[] = [];
  let current: Turn | null = null;
  let cancelRequested = false;
  let closing = false;
  let turnsDone = input.turnsDone ?? 0;
  let turnsThisRun = 0;
  const pending: Promise<void>[] = [];
  let keepaliveMs = input.keepaliveMs;

  const state = (): ChatSessionState => ({
    status: closing ? 'closing' : current ? 'replying' : 'idle',
    current: current && { sessionId: current.sessionId, replyId: current.replyId, userMessageId: current.userMessageId },
    queued: queue.length,
    turnsDone,
  });

  setHandler(
    sendMessageUpdate,
    (turn) => {
      queue.push(turn);
      return { replyId: turn.replyId };
    },
    {
      validator: (turn) => {
        if (closing) throw ApplicationFailure.nonRetryable('the session is closing', 'SessionClosed');
        if (!turn || typeof turn.text !== 'string' || turn.text.length === 0 || turn.text.length > MAX_TEXT) {
          throw ApplicationFailure.nonRetryable('a turn needs a message text', 'InvalidTurn');
        }
        if (turn.sessionId !== input.sessionId) throw ApplicationFailure.nonRetryable('the turn belongs to another session', 'InvalidTurn');
      },
    },
  );
  // The durable half of cancel: the API's Redis notice is the fast path; the workflow repeats it.
  const cancelCurrent = () => {
    if (!current || cancelRequested) return;
    cancelRequested = true;
    notifyCancel(current.replyId).catch(() => undefined);
  };
  setHandler(cancelSignal, (req) => {
    if (current && (!req.messageId || req.messageId === current.userMessageId || req.messageId === current.replyId)) cancelCurrent();
  });
  setHandler(closeSignal, () => {
    closing = true;
    cancelCurrent();
  });
  setHandler(stateQuery, state);

  /** The pipeline (coco-api.md §5.4): [intent] → [retrieve] → [pick → deep read] → answer → finalize. */
  async function runTurn(turn: Turn): Promise<(() => Promise<void>) | undefined> {
    upsertSearchAttributes([{ key: ASSISTANT_ID_ATTRIBUTE, value: turn.assistantId }]);
    const steps: ReplyDetail[] = [];
    let result: AnswerResult | { reason: 'error'; error: string } = cancelled;
    let context: TurnContext | undefined;
    try {
      context = await loadContext(turn);
      keepaliveMs = context.keepaliveMs;
      const inputs = await think(turn, context, steps);
      if (cancelRequested) {
        await finalize(turn, cancelled, steps);
        return undefined;
      }
      if (cancelRequested) notifyCancel(turn.replyId).catch(() => undefined);
      result = await answer(turn, context, inputs);
    } catch (err) {
      result = { reason: 'error', error: errorText(err) };
    }
    await finalize(turn, result, steps);
    const ctx = context;
    return ctx && result.reason !== 'error' ? () => followUps(turn, ctx) : undefined;
  }

  /** The steps before the answer. Each adds its saved detail; cancel stops between steps. */
  async function think(turn: Turn, ctx: TurnContext, steps: ReplyDetail[]): Promise<AnswerInputs> {
    if (turn.givenSources) {
      // AI overview: the search results came with the question.
      steps.push(await publishGivenSources(turn));
      return { docIds: [], deep: false, toolsOutput: '' };
    }
    let intent = null;
    if (ctx.deepThink) {
      const r = await analyzeIntent(turn, ctx);
      intent = r.intent;
      if (r.detail) steps.push(r.detail);
    }
    const wantsSearch = ctx.search && !(ctx.pickDatasource && intent && !intent.need_network_search);
    if (!wantsSearch || cancelRequested) return { docIds: [], deep: false, toolsOutput: '' };
    const retrieved = await retrieveDocuments(turn, ctx, intent);
    steps.push(retrieved.detail);
    if (!ctx.deepThink || retrieved.docs.length === 0 || cancelRequested) {
      return { docIds: retrieved.docs.map((d) => d.id), deep: false, toolsOutput: '' };
    }
    const picking = await pickDocuments(turn, ctx, intent, retrieved.docs);
    steps.push(picking.detail);
    if (cancelRequested) return { docIds: [], deep: false, toolsOutput: '' };
    const read = await deepRead(turn, picking.picked);
    steps.push(read.detail);
    return { docIds: picking.picked.map((p) => p.id), deep: true, toolsOutput: '' };
  }

  /** After reply_end: the title and the history summary. Failures are logged by Temporal, not fatal. */
  async function followUps(turn: Turn, ctx: TurnContext) {
    await Promise.all([generateTitle(turn, ctx).catch(() => null), compressHistory(turn, ctx).catch(() => false)]);
  }

  for (;;) {
    const woke = await condition(() => queue.length > 0 || closing, keepaliveMs);
    if (!woke) break; // idle for the keepalive: done until the next send
    const turn = queue.shift();
    if (!turn) break; // closing with nothing queued
    current = turn;
    cancelRequested = false;
    let followUp: (() => Promise<void>) | undefined;
    if (closing) await finalize(turn, cancelled); // queued behind a close: answered as cancelled
    else followUp = await runTurn(turn);
    current = null;
    // Follow-ups run beside the next turn; they only have to end before this run does.
    if (followUp) pending.push(followUp());
    turnsDone++;
    turnsThisRun++;
    if (queue.length === 0 && !closing && (workflowInfo().continueAsNewSuggested || turnsThisRun >= (input.turnsPerRun ?? DEFAULT_TURNS_PER_RUN))) {
      await Promise.all(pending);
      await condition(allHandlersFinished);
      await continueAsNew<typeof chatSession>({ ...input, keepaliveMs, turnsDone });
    }
  }
  await Promise.all(pending);
  await condition(allHandlersFinished);
  return state();
}
