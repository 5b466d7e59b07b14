// Starting, cancelling and closing replies: what every chat endpoint shares. All checks run before
// anything is stored; if the workflow cannot take the turn, the stored user message is removed again.
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { requestCancel } from '../../bus/cancel';
import { attachReply, detachReply } from '../../bus/ws-attach';
import type { BusKeys } from '../../bus/keys';
import type { Models } from '../../models';
import type { Redis } from '../../infra/redis';
import type { Temporal } from '../../infra/temporal';
import type { Logger } from '../../infra/logger';
import { bumpVersion, VersionedCache } from '../../infra/versioned-cache';
import { ChatSessionInput, parseDuration, SourceRef, Turn, TurnParams, workflowIdForSession } from '../../shared/chat';
import { newId } from '../../shared/ids';
import {
  ASSISTANT_ID_ATTRIBUTE,
  cancelSignal,
  CHAT_SESSION_WORKFLOW,
  closeSignal,
  SESSION_ID_ATTRIBUTE,
  sendMessageUpdate,
  withdrawSignal,
} from '../../workflows/definitions';
import type { User } from '../context';
import { BadRequestError, HttpError, NotFoundError, ServiceUnavailableError } from '../errors';
import type { Stored } from '../routes/resource';

export interface ChatDeps {
  models: Models;
  /** Assistants as chats read them: cached, re-read when changed (infra/versioned-cache). */
  assistants: VersionedCache<Stored>;
  redis: Redis;
  keys: BusKeys;
  temporal: Temporal;
  taskQueue: string;
  turnsPerRun: number;
  continueQuietMs: number;
  admissionMs: number;
  logger: Logger;
}

/** An assistant that passed a turn's checks, and the version it was read at (workers then trust their copy at it). */
export interface CheckedAssistant {
  doc: Stored;
  version: string;
}

export interface StartTurn {
  user: User;
  session: Stored;
  assistant: CheckedAssistant;
  text: string;
  attachments: string[];
  params: TurnParams;
  wsId?: string;
  modelQuery?: string;
  givenSources?: SourceRef[];
  /** The session was created for this turn (`_new`, `_create`, `_ask`). */
  newSession?: boolean;
}

/** chat_settings.history_message.number as stored (defaults are stored with the assistant). */
function historyNumberOf(assistant: Stored): number | undefined {
  const n = (assistant.chat_settings as { history_message?: { number?: unknown } } | undefined)?.history_message?.number;
  return typeof n === 'number' ? n : undefined;
}

class NoWorkerError extends HttpError {
  constructor(ms: number) {
    super(503, `no worker took the turn within ${ms / 1000}s: the chat workers may be down; the message was not sent`);
  }
}

class AssistantNotFoundError extends HttpError {
  constructor(id: string) {
    super(404, `assistant [${id}] is not found`);
  }
}

export class ChatService {
  /**
   * What a turn checks of its session (owner, status), cached: it is read on the way to every first token.
   * Only this service changes them (status, deletion), and it bumps the version after each change.
   */
  private readonly sessionsForTurns: VersionedCache<Stored>;

  constructor(private readonly deps: ChatDeps) {
    this.sessionsForTurns = new VersionedCache(deps.redis, deps.keys.sessionVersion, async (id) =>
      (await deps.models.Session.findById(id).select({ owner_id: 1, status: 1 }).lean()) as Stored | null,
    );
  }

  /** The checks a turn needs before anything is stored: the assistant can answer, the socket is there. */
  async checkTurn(assistantId: string, wsId: string | undefined, wsRequired: boolean): Promise<CheckedAssistant> {
    const [{ value: assistant, version }, wsKnown] = await Promise.all([
      this.deps.assistants.getVersioned(assistantId),
      wsId ? this.deps.redis.exists(this.deps.keys.wsKey(wsId)) : Promise.resolve(1),
    ]);
    if (!assistant) throw new AssistantNotFoundError(assistantId);
    if (assistant.enabled === false) throw new BadRequestError(`assistant [${assistantId}] is not enabled`);
    const m = assistant.answering_model as { provider_id?: string; name?: string } | null;
    if (!m?.provider_id || !m.name) {
      throw new BadRequestError(`assistant [${assistantId}] has no answering model configured. Please set it up first`);
    }
    if (wsRequired && !wsId) {
      throw new BadRequestError('the WEBSOCKET-SESSION-ID header is required here (or use the streaming endpoints _create / _chat)');
    }
    if (wsId && !wsKnown) {
      throw new BadRequestError(`websocket session [${wsId}] is not connected`);
    }
    return { doc: assistant, version };
  }

  async loadOwnSession(id: string, user: User, shape: 'result' | 'found' = 'result'): Promise<Stored> {
    const session = (await this.deps.models.Session.findById(id).lean()) as Stored | null;
    // Someone else's session is reported as missing: its existence is not theirs to learn.
    if (!session || session.owner_id !== user.id) throw new NotFoundError(id, shape, 'session');
    return session;
  }

  /** The caller's session as a turn needs it: its id, owner and status. */
  async sessionForTurn(id: string, user: User): Promise<Stored> {
    const session = await this.sessionsForTurns.get(id);
    if (!session || session.owner_id !== user.id) throw new NotFoundError(id, 'result', 'session');
    return session;
  }

  /** Changes a session's status (and other fields with it); turns see it at their next check. */
  async setSessionStatus(id: string, status: 'active' | 'closed', more: Record<string, unknown> = {}): Promise<void> {
    await this.deps.models.Session.updateOne({ _id: id }, { $set: { status, ...more } });
    await bumpVersion(this.deps.redis, this.deps.keys.sessionVersion(id));
  }

  /** Deletes a session and its messages. */
  async deleteSession(id: string): Promise<void> {
    await this.deps.models.ChatMessage.deleteMany({ session_id: id });
    await this.deps.models.Session.deleteOne({ _id: id });
    await bumpVersion(this.deps.redis, this.deps.keys.sessionVersion(id));
  }

  async createSession(user: User, title: string, visible: boolean): Promise<Stored> {
    const doc = await this.deps.models.Session.create({ title: title.slice(0, 50), status: 'active', visible, owner_id: user.id });
    return doc.toObject() as Stored;
  }

  /**
   * Saves the user message and hands the turn to the session's workflow (starting it if needed). Both
   * happen at once, as they are on the way to the first token; if either fails, the other is undone.
   * A socket is told to follow the reply at the same time, so it is listening when the first chunk comes.
   */
  async startTurn(t: StartTurn): Promise<{ userMessage: Stored; replyId: string }> {
    const { models, redis, keys } = this.deps;
    const replyId = newId();
    const turn: Turn = {
      sessionId: t.session._id,
      replyId,
      userMessageId: newId(),
      assistantId: t.assistant.doc._id,
      assistantVersion: t.assistant.version,
      ownerId: t.user.id,
      text: t.text,
      params: t.params,
      ...(t.modelQuery !== undefined && { modelQuery: t.modelQuery }),
      ...(t.givenSources !== undefined && { givenSources: t.givenSources }),
      historyNumber: historyNumberOf(t.assistant.doc),
      sentAt: Date.now(),
      admissionMs: this.deps.admissionMs,
    };
    const reopened = t.session.status === 'closed';
    // The turn goes out first: its request is on its way while the message is being written.
    const [sent, saved] = await Promise.allSettled([
      this.sendTurn(turn, t.assistant.doc, t.newSession === true),
      models.ChatMessage.create({
        _id: turn.userMessageId,
        type: 'user',
        session_id: t.session._id,
        assistant_id: t.assistant.doc._id,
        message: t.text,
        attachments: t.attachments,
        owner_id: t.user.id,
        reply_message_id: replyId,
      }),
      reopened ? this.setSessionStatus(t.session._id, 'active') : undefined,
      // Following is gap-free from the reply's log, so the attach may land before or after the first chunk.
      t.wsId ? attachReply(redis, keys, t.wsId, replyId, 0) : undefined,
    ]);
    if (saved.status === 'rejected' || sent.status === 'rejected') {
      const err = (sent.status === 'rejected' ? sent.reason : (saved as PromiseRejectedResult).reason) as Error;
      await this.undoTurn(turn, t, { saved: saved.status === 'fulfilled', sent: sent.status === 'fulfilled', reopened });
      this.deps.logger.error({ err, session_id: t.session._id }, 'could not start the turn');
      throw new ServiceUnavailableError(`the reply could not be started: ${err.message}`);
    }
    await redis.set(keys.currentReply(t.session._id), replyId, { EX: 3600 });
    return { userMessage: saved.value.toObject() as Stored, replyId };
  }

  /** Undoes what a turn that could not start left behind: the saved message, the running reply, the attach. */
  private async undoTurn(turn: Turn, t: StartTurn, done: { saved: boolean; sent: boolean; reopened: boolean }) {
    const { models, redis, keys } = this.deps;
    const undone = await Promise.allSettled([
      done.saved ? models.ChatMessage.deleteOne({ _id: turn.userMessageId }) : undefined,
      // The workflow took a turn whose message could not be saved: it stops at once and leaves nothing.
      done.sent ? this.withdraw(turn) : undefined,
      done.reopened && !done.sent ? this.setSessionStatus(t.session._id, 'closed') : undefined,
      t.wsId ? detachReply(redis, keys, t.wsId, turn.replyId) : undefined,
    ]);
    for (const r of undone) {
      if (r.status === 'rejected') this.deps.logger.error({ err: r.reason, session_id: turn.sessionId, reply_id: turn.replyId }, 'could not undo a turn that did not start');
    }
  }

  private async sendTurn(turn: Turn, assistant: Stored, newSession: boolean, retried = false): Promise<void> {
    const client = this.deps.temporal.client;
    const input: ChatSessionInput = {
      sessionId: turn.sessionId,
      ownerId: turn.ownerId,
      keepaliveMs: parseDuration(String(assistant.keepalive ?? '30m'), 30 * 60_000),
      turnsPerRun: this.deps.turnsPerRun,
      continueQuietMs: this.deps.continueQuietMs,
      assistantId: turn.assistantId,
      // A session created with this turn has no earlier messages: its history needs no query.
      ...(newSession && { conversation: { entries: [], summary: '', complete: true } }),
    };
    const startWorkflowOperation = new WithStartWorkflowOperation(CHAT_SESSION_WORKFLOW, {
      workflowId: workflowIdForSession(turn.sessionId),
      taskQueue: this.deps.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: SESSION_ID_ATTRIBUTE, value: turn.sessionId },
        { key: ASSISTANT_ID_ATTRIBUTE, value: turn.assistantId },
      ],
    });
    try {
      // Bounded: with no worker running, the update would wait for one forever (the workflow refuses the
      // turn once this is over, see its validator).
      await this.deps.temporal.connection.withDeadline(turn.sentAt! + this.deps.admissionMs, async () => {
        // Most sends go to a running session: a plain update is a little quicker than update-with-start.
        if (newSession || !(await this.updateRunning(turn))) {
          await client.workflow.executeUpdateWithStart(sendMessageUpdate, { args: [turn], startWorkflowOperation });
        }
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new NoWorkerError(this.deps.admissionMs);
      // A session that is still closing refuses turns; once its run completes, the next one starts fresh.
      if (!retried && err instanceof WorkflowUpdateFailedError && /closing/.test(String((err.cause as Error)?.message))) {
        await client.workflow.getHandle(workflowIdForSession(turn.sessionId)).result().catch(() => undefined);
        return this.sendTurn(turn, assistant, newSession, true);
      }
      throw err;
    }
  }

  /** Sends the turn to the session's running workflow; false when none is running (idle, closed or new). */
  private async updateRunning(turn: Turn): Promise<boolean> {
    try {
      await this.deps.temporal.client.workflow.getHandle(workflowIdForSession(turn.sessionId)).executeUpdate(sendMessageUpdate, { args: [turn] });
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Cancels the running reply, or the one for messageId (a user message or a reply). Idempotent; fine when nothing runs. */
  async cancel(sessionId: string, messageId?: string): Promise<void> {
    const handle = this.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId));
    let replyId: string | undefined;
    if (messageId) {
      const msg = (await this.deps.models.ChatMessage.findById(messageId).lean()) as Stored | null;
      replyId = msg?.type === 'user' ? msg.reply_message_id : msg?.type === 'assistant' ? msg._id : undefined;
    } else {
      // The latest reply of the session; cancelling one that already ended is harmless.
      replyId = (await this.deps.redis.get(this.deps.keys.currentReply(sessionId))) ?? undefined;
    }
    if (replyId) await requestCancel(this.deps.redis, this.deps.keys, replyId);
    await handle.signal(cancelSignal, { messageId }).catch(() => undefined); // not running: nothing to cancel
  }

  /** Takes back a turn the workflow took: its reply stops (Redis notice first) and is discarded. */
  private async withdraw(turn: Turn): Promise<void> {
    await requestCancel(this.deps.redis, this.deps.keys, turn.replyId);
    const ref = { sessionId: turn.sessionId, replyId: turn.replyId, userMessageId: turn.userMessageId };
    await this.deps.temporal.client.workflow.getHandle(workflowIdForSession(turn.sessionId)).signal(withdrawSignal, ref);
  }

  /** Closes the session: its in-flight reply is cancelled and saved, its workflow completes. */
  async close(sessionId: string): Promise<void> {
    const current = await this.deps.redis.get(this.deps.keys.currentReply(sessionId));
    if (current) await requestCancel(this.deps.redis, this.deps.keys, current);
    await this.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).signal(closeSignal).catch(() => undefined);
  }
}
