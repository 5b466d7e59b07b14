// What a session workflow knows while it runs: the turns queued and the one running, whether a cancel or
// a close was asked, the conversation so far (so a turn's history needs no database read), and turns the
// API took back. One object, shared by the turn loop, the handlers and the pipeline.
import type { AnswerResult, ChatSessionInput, ChatSessionState, ReplyRef, Turn } from '../shared/chat';
import { discard } from './ending';
import { notifyCancel } from './steps';
import { ConversationWindow } from './conversation';
import { showDetails, step } from './ui';

/**
 * Histories written before this version (loadContext then answer, a search-attribute upsert and both
 * follow-ups at every turn, continue-as-new at once) replay on the old path; new turns take the new one.
 */
export const SESSION_V2_PATCH = 'session-v2';
/** From this version a run that passes forceContinueEvents continues as new without waiting for quiet. */
export const FORCED_CONTINUE_PATCH = 'forced-continue';

/** The result of a turn that was cancelled before it answered. */
export const CANCELLED: AnswerResult = { text: '', think: '', reason: 'user_cancelled', lastSeq: 0 };

/** The workflow's signature, for continue-as-new. */
export type ChatSessionWorkflow = (input: ChatSessionInput) => Promise<ChatSessionState>;

export class Session {
  readonly queue: Turn[] = [];
  current: Turn | null = null;
  cancelRequested = false;
  closing = false;
  turnsDone: number;
  turnsThisRun = 0;
  keepaliveMs: number;
  /** The assistant id the run's search attribute holds (it is upserted when a turn names another). */
  assistantAttribute: string | undefined;
  /** What has been said, so a turn's history needs no database read. */
  readonly conversation: ConversationWindow;
  /** Turns the API took back after this workflow took them: each is discarded once it is over. */
  readonly withdrawn: ReplyRef[] = [];
  /** Follow-ups of successive turns run one after another (two summaries must not race), beside the turns. */
  followUps: Promise<void> = Promise.resolve();
  /** Follow-ups chained and not yet done. */
  followUpsRunning = 0;
  /** What the running turn does now, and since when the session waits (workflow time): the UI's details (./ui). */
  doing: string | null = null;
  idleSince: number | null = null;

  constructor(readonly input: ChatSessionInput) {
    this.turnsDone = input.turnsDone ?? 0;
    this.keepaliveMs = input.keepaliveMs;
    this.conversation = new ConversationWindow(input.conversation);
    this.assistantAttribute = input.assistantId;
    this.queue.push(...(input.queued ?? []));
  }

  state(): ChatSessionState {
    const c = this.current;
    return {
      status: this.closing ? 'closing' : c ? 'replying' : 'idle',
      current: c && { sessionId: c.sessionId, replyId: c.replyId, userMessageId: c.userMessageId },
      queued: this.queue.length,
      turnsDone: this.turnsDone,
    };
  }

  /** Runs a turn's follow-ups after those of the turns before it. */
  chainFollowUp(followUp: () => Promise<void>) {
    this.followUpsRunning++;
    this.followUps = this.followUps.then(followUp).finally(() => {
      this.followUpsRunning--;
      showDetails(this);
    });
  }

  /** The durable half of cancel: the API's Redis notice is the fast path; the workflow repeats it. */
  cancelCurrent() {
    if (!this.current || this.cancelRequested) return;
    this.cancelRequested = true;
    step(notifyCancel, 'cancel · tell the reply to stop', this.current.replyId).catch(() => undefined);
  }

  /** Removes what withdrawn turns left: their saved messages, and their place in the conversation. */
  async discardWithdrawn() {
    while (this.withdrawn.length > 0) {
      const ref = this.withdrawn.shift()!;
      await discard(ref);
      this.conversation.forget([ref.userMessageId, ref.replyId]);
    }
  }
}
