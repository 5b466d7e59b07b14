// One workflow per chat session. It queues turns sent by the `sendMessage` update and runs each as a
// pipeline of activities (load context → answer → finalize); tokens flow through Redis, never through
// workflow history. Idle for the assistant's keepalive, it completes; the next send starts it again.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChatActivities } from '../activities/chat';
import type { AnswerResult, ChatSessionInput, ChatSessionState, Turn } from '../shared/chat';
import { ASSISTANT_ID_ATTRIBUTE, cancelSignal, closeSignal, sendMessageUpdate, stateQuery } from './definitions';

const DEFAULT_TURNS_PER_RUN = 100;
const cancelled: AnswerResult = { text: '', think: '', reason: 'user_cancelled', lastSeq: 0 };
const MAX_TEXT = 100_000;

const { loadContext, finalize, notifyCancel } = proxyActivities<ChatActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 },
});

// The answer streams for minutes; a heartbeat timeout notices a dead worker quickly so another continues.
const { answer } = proxyActivities<ChatActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '5 seconds',
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
  setHandler(cancelSignal, (req) => {
    if (!current) return;
    if (!req.messageId || req.messageId === current.userMessageId || req.messageId === current.replyId) cancelRequested = true;
  });
  setHandler(closeSignal, () => {
    closing = true;
    if (current) cancelRequested = true;
  });
  setHandler(stateQuery, state);

  async function runTurn(turn: Turn) {
    upsertSearchAttributes([{ key: ASSISTANT_ID_ATTRIBUTE, value: turn.assistantId }]);
    let result: AnswerResult | { reason: 'error'; error: string } = cancelled;
    try {
      const context = await loadContext(turn);
      keepaliveMs = context.keepaliveMs;
      if (cancelRequested) return await finalize(turn, cancelled);
      const answering = answer(turn, context);
      // The durable half of cancel: the API's Redis notice is the fast path; this repeats it from here.
      void condition(() => cancelRequested).then(() => (current === turn ? notifyCancel(turn.replyId) : undefined));
      result = await answering;
    } catch (err) {
      result = { reason: 'error', error: errorText(err) };
    }
    await finalize(turn, result);
  }

  for (;;) {
    const woke = await condition(() => queue.length > 0 || closing, keepaliveMs);
    if (!woke) break; // idle for the keepalive: done until the next send
    const turn = queue.shift();
    if (!turn) break; // closing with nothing queued
    current = turn;
    cancelRequested = false;
    if (closing) await finalize(turn, cancelled); // queued behind a close: answered as cancelled
    else await runTurn(turn);
    current = null;
    turnsDone++;
    turnsThisRun++;
    if (queue.length === 0 && !closing && (workflowInfo().continueAsNewSuggested || turnsThisRun >= (input.turnsPerRun ?? DEFAULT_TURNS_PER_RUN))) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof chatSession>({ ...input, keepaliveMs, turnsDone });
    }
  }
  await condition(allHandlersFinished);
  return state();
}
