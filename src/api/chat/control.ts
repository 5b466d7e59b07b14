// Stopping replies: cancel (the running reply, or the one a message names) and close (the session's
// reply is cancelled and saved, its workflow completes), each by a Redis notice that the running step
// hears at once and a workflow signal that makes it durable.
import { requestCancel } from '../../bus/cancel';
import type { BusKeys } from '../../bus/keys';
import type { Messages } from '../../domain/sessions/messages';
import type { Redis } from '../../infra/redis';
import type { TraceContext } from '../../infra/tracing';
import type { ReplyRef } from '../../shared/chat';
import type { SessionWorkflows } from './workflows';

export class ReplyControl {
  constructor(
    private readonly redis: Redis,
    private readonly keys: BusKeys,
    private readonly messages: Messages,
    private readonly workflows: SessionWorkflows,
  ) {}

  /** The reply the session's worker is answering, or last answered (cancelling one that ended is harmless). */
  private runningReply(sessionId: string): Promise<string | null> {
    return this.redis.get(this.keys.runningReply(sessionId));
  }

  /**
   * Cancels the running reply, or the one for messageId (a user message or a reply); a turn queued behind
   * the running one is not touched. Idempotent; fine when nothing runs.
   */
  async cancel(sessionId: string, messageId?: string, trace?: TraceContext): Promise<void> {
    // A message id only ever names a message of this session; a reply still running (not yet saved) is
    // matched by the session's own workflow, which knows only its own turns.
    const replyId = messageId ? await this.messages.replyIdFor(sessionId, messageId) : ((await this.runningReply(sessionId)) ?? undefined);
    if (replyId) await requestCancel(this.redis, this.keys, replyId);
    await this.workflows.cancel(sessionId, messageId, trace);
  }

  /** Closes the session: its in-flight reply is cancelled and saved, its workflow completes. */
  async close(sessionId: string): Promise<void> {
    const current = await this.runningReply(sessionId);
    if (current) await requestCancel(this.redis, this.keys, current);
    await this.workflows.close(sessionId);
  }

  /** Takes back a turn the workflow took: its reply stops (Redis notice first) and is discarded. */
  async withdraw(ref: ReplyRef, trace?: TraceContext): Promise<void> {
    await requestCancel(this.redis, this.keys, ref.replyId);
    await this.workflows.withdraw({ sessionId: ref.sessionId, replyId: ref.replyId, userMessageId: ref.userMessageId }, trace);
  }
}
