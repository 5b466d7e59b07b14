// One workflow per chat session. It queues turns sent by the `sendMessage` update and runs each as a
// pipeline of activities (beginReply, which answers at once when no step comes first → [steps → answer];
// the answering step also saves the reply and sends reply_end, else finalize does); tokens flow through
// Redis, never through workflow history. Idle for the assistant's keepalive, it completes; the next send
// starts it again.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AnswerInputs, AnswerResult, ChatSessionInput, ChatSessionState, QueryIntent, ReplyDetail, ReplyRef, Turn, TurnContext } from '../shared/chat';
import type { ToolCallRecord, ToolMessage } from '../shared/tools';
import { ConversationWindow } from './conversation';
import { ASSISTANT_ID_ATTRIBUTE, cancelSignal, closeSignal, sendMessageUpdate, stateQuery, withdrawSignal } from './definitions';

const DEFAULT_TURNS_PER_RUN = 100;
const DEFAULT_CONTINUE_QUIET_MS = 5000;
const ADMISSION_MARGIN_MS = 1000;
const cancelled: AnswerResult = { text: '', think: '', reason: 'user_cancelled', lastSeq: 0 };
const MAX_TEXT = 100_000;
/**
 * Histories written before this version (loadContext then answer, a search-attribute upsert and both
 * follow-ups at every turn, continue-as-new at once) replay on the old path; new turns take the new one.
 */
const SESSION_V2_PATCH = 'session-v2';

// loadContext only runs in histories from before beginReply (see SESSION_V2_PATCH).
const { loadContext, finalize, notifyCancel, publishGivenSources, discardReply } = proxyActivities<Activities>({
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

// Tool steps: each model step and each tool call is its own activity, so a crash resumes at the
// iteration it was in and finished calls are never repeated. Calls are bounded by the MCP timeouts.
const { listTools, toolModelStep, callTool } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

const TOOLS_SYSTEM_PROMPT =
  'You can call tools to help answer the user. Call them when they help; when you have what you need, reply with what you found, without calling more tools.';

// The answer streams for minutes; a heartbeat timeout notices a dead worker quickly so another continues.
// beginReply loads the context and, for a turn with no step before the answer, streams it too.
const { answer, beginReply } = proxyActivities<Activities>({
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
  // Follow-ups of successive turns run one after another (two summaries must not race), beside the turns.
  let followUpChain: Promise<void> = Promise.resolve();
  let keepaliveMs = input.keepaliveMs;
  // What has been said, so a turn's history needs no database read.
  const conversation = new ConversationWindow(input.conversation);
  let assistantAttribute = input.assistantId;
  // Turns the API took back after this workflow took them: each is discarded once it is over.
  const withdrawn: ReplyRef[] = [];

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
        // The API stops waiting for a worker after admissionMs and answers 503: a turn delivered later (a
        // worker came back) is refused, a little before that, so the sender is never answered twice.
        if (turn.sentAt !== undefined && turn.admissionMs !== undefined && Date.now() - turn.sentAt > turn.admissionMs - ADMISSION_MARGIN_MS) {
          throw ApplicationFailure.nonRetryable('the turn waited too long for a worker', 'TurnExpired');
        }
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
  setHandler(withdrawSignal, (ref) => {
    const queued = queue.findIndex((t) => t.replyId === ref.replyId);
    if (queued >= 0) {
      queue.splice(queued, 1); // not started: nothing to undo
      return;
    }
    withdrawn.push(ref);
    if (current?.replyId === ref.replyId) cancelCurrent();
  });

  /** Removes what withdrawn turns left: their saved messages, and their place in the conversation. */
  async function discardWithdrawn() {
    while (withdrawn.length > 0) {
      const ref = withdrawn.shift()!;
      await discardReply(ref);
      conversation.forget([ref.userMessageId, ref.replyId]);
    }
  }

  /** The pipeline (coco-api.md §5.4): [intent] → [retrieve] → [pick → deep read] → answer → finalize. */
  async function runTurn(turn: Turn, v2: boolean): Promise<(() => Promise<void>) | undefined> {
    // Only on a change: an upsert is written to the visibility store, on the way to the first token.
    if (turn.assistantId !== assistantAttribute || !v2) {
      upsertSearchAttributes([{ key: ASSISTANT_ID_ATTRIBUTE, value: turn.assistantId }]);
      assistantAttribute = turn.assistantId;
    }
    const steps: ReplyDetail[] = [];
    let result: AnswerResult | { reason: 'error'; error: string } = cancelled;
    let context: TurnContext | undefined;
    try {
      const begun = v2 ? await beginReply(turn, conversation.forTurn(turn.historyNumber), true) : { context: await loadContext(turn), answer: null };
      context = begun.context;
      keepaliveMs = context.keepaliveMs;
      if (begun.answer) {
        result = begun.answer;
      } else {
        const inputs = await think(turn, context, steps);
        if (cancelRequested) {
          const { entry } = await finalize(turn, cancelled, steps);
          conversation.addTurn(turn.userMessageId, turn.text, entry, context);
          return undefined;
        }
        result = await answer(turn, context, inputs, steps);
      }
    } catch (err) {
      result = { reason: 'error', error: errorText(err) };
    }
    // The answering step finalizes the reply itself (one round trip fewer before reply_end); a result without
    // `finalized` (that failed, or a history from before) is finalized by its own step. Replay follows the
    // recorded result, so no patch is needed.
    const { entry } = ('finalized' in result && result.finalized) || (await finalize(turn, result, steps));
    conversation.addTurn(turn.userMessageId, turn.text, entry, context);
    const ctx = context;
    if (!ctx || result.reason === 'error') return undefined;
    // Decided now, while the conversation ends with this turn.
    const wanted = v2
      ? { title: conversation.mayBeFirstTurn(), summary: ctx.compression.enabled && conversation.mayExceed(ctx.compression.threshold) }
      : { title: true, summary: true };
    return () => followUps(turn, ctx, wanted);
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
    const toolsOutput = await useTools(turn, ctx, intent, steps);
    const wantsSearch = ctx.search && !(ctx.pickDatasource && intent && !intent.need_network_search);
    if (!wantsSearch || cancelRequested) return { docIds: [], deep: false, toolsOutput };
    const retrieved = await retrieveDocuments(turn, ctx, intent);
    steps.push(retrieved.detail);
    if (!ctx.deepThink || retrieved.docs.length === 0 || cancelRequested) {
      return { docIds: retrieved.docs.map((d) => d.id), deep: false, toolsOutput };
    }
    const picking = await pickDocuments(turn, ctx, intent, retrieved.docs);
    steps.push(picking.detail);
    if (cancelRequested) return { docIds: [], deep: false, toolsOutput };
    const read = await deepRead(turn, picking.picked);
    steps.push(read.detail);
    return { docIds: picking.picked.map((p) => p.id), deep: true, toolsOutput };
  }

  /** The tool loop: at most maxIterations model steps; its last words become the answer's tools_output. */
  async function useTools(turn: Turn, ctx: TurnContext, intent: QueryIntent | null, steps: ReplyDetail[]): Promise<string> {
    if (!ctx.tools || (ctx.pickTools && intent && !intent.need_call_tools)) return '';
    const specs = await listTools(turn, ctx);
    if (specs.length === 0) return '';
    const messages: ToolMessage[] = [
      { role: 'system', content: TOOLS_SYSTEM_PROMPT },
      { role: 'user', content: ctx.query },
    ];
    const calls: ToolCallRecord[] = [];
    let output = '';
    for (let i = 0; i < ctx.tools.maxIterations && !cancelRequested; i++) {
      const step = await toolModelStep(turn, ctx, messages, specs);
      if (step.calls.length === 0) {
        output = step.content;
        break;
      }
      messages.push({ role: 'assistant', content: step.content, tool_calls: step.calls });
      for (const call of step.calls) {
        const spec = specs.find((s) => s.name === call.name);
        const record: ToolCallRecord = spec
          ? await callTool(turn, spec, call)
          : { name: call.name, arguments: call.arguments, result: `Error: there is no tool named ${call.name}`, error: true };
        if (record.cancelled) cancelRequested = true;
        calls.push(record);
        messages.push({ role: 'tool', tool_call_id: call.id, content: record.result });
        if (cancelRequested) break;
      }
    }
    if (!output) output = calls.map((c) => `${c.name}(${c.arguments}) → ${c.result}`).join('\n');
    if (calls.length) {
      const description = calls.map((c) => `- \`${c.name}\` ${c.arguments}\n\n  ${c.result.slice(0, 500)}`).join('\n');
      steps.push({ order: 15, type: 'tools', description, payload: calls });
    }
    return output;
  }

  /**
   * After reply_end: the title and the history summary, each only when it may be due (the conversation
   * tells when it surely is not; the steps check again). Failures are logged by Temporal, not fatal.
   */
  async function followUps(turn: Turn, ctx: TurnContext, wanted: { title: boolean; summary: boolean }) {
    const [, summary] = await Promise.all([
      wanted.title ? generateTitle(turn, ctx).catch(() => null) : null,
      wanted.summary ? compressHistory(turn, ctx).catch(() => null) : null,
    ]);
    // (Before this version the summary step answered a boolean.)
    if (summary && typeof summary === 'object') conversation.summarised(summary.summary, summary.untilId);
  }

  for (;;) {
    const woke = await condition(() => queue.length > 0 || closing || withdrawn.length > 0, keepaliveMs);
    if (!woke) break; // idle for the keepalive: done until the next send
    if (withdrawn.length > 0) {
      await discardWithdrawn();
      continue;
    }
    const turn = queue.shift();
    if (!turn) break; // closing with nothing queued
    current = turn;
    cancelRequested = false;
    const v2 = patched(SESSION_V2_PATCH);
    let followUp: (() => Promise<void>) | undefined;
    if (closing) {
      // Queued behind a close: answered as cancelled.
      conversation.addTurn(turn.userMessageId, turn.text, (await finalize(turn, cancelled)).entry);
    } else {
      followUp = await runTurn(turn, v2);
    }
    current = null;
    // Follow-ups run beside the next turn; they only have to end before this run does. A withdrawn turn has none.
    if (withdrawn.some((w) => w.replyId === turn.replyId)) followUp = undefined;
    if (followUp) followUpChain = followUpChain.then(followUp);
    turnsDone++;
    turnsThisRun++;
    if (queue.length === 0 && !closing && (workflowInfo().continueAsNewSuggested || turnsThisRun >= (input.turnsPerRun ?? DEFAULT_TURNS_PER_RUN))) {
      // In a pause (see continueQuietMs), unless the history is already too long.
      const quietMs = input.continueQuietMs ?? DEFAULT_CONTINUE_QUIET_MS;
      if (v2 && !workflowInfo().continueAsNewSuggested && quietMs > 0 && (await condition(() => queue.length > 0 || closing, quietMs))) continue;
      await followUpChain;
      await condition(allHandlersFinished);
      await discardWithdrawn();
      // A turn sent while the follow-ups ended is answered in this run: the queue does not carry over.
      if (!v2 || (queue.length === 0 && !closing)) {
        await continueAsNew<typeof chatSession>({ ...input, keepaliveMs, turnsDone, conversation: conversation.current, assistantId: assistantAttribute });
      }
    }
  }
  await followUpChain;
  await condition(allHandlersFinished);
  await discardWithdrawn();
  return state();
}
