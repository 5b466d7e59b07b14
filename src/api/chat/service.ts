// Starting, cancelling and closing replies: what every chat endpoint shares. All checks run before
// anything is stored; if the workflow cannot take the turn, the stored user message is removed again.
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { requestCancel } from '../../bus/cancel';
import type { BusKeys } from '../../bus/keys';
import type { Models } from '../../models';
import type { Redis } from '../../infra/redis';
import type { Temporal } from '../../infra/temporal';
import type { Logger } from '../../infra/logger';
import { ChatSessionInput, parseDuration, SourceRef, Turn, TurnParams, workflowIdForSession } from '../../shared/chat';
import { newId } from '../../shared/ids';
import {
  ASSISTANT_ID_ATTRIBUTE,
  cancelSignal,
  CHAT_SESSION_WORKFLOW,
  closeSignal,
  SESSION_ID_ATTRIBUTE,
  sendMessageUpdate,
} from '../../workflows/definitions';
import type { User } from '../context';
import { BadRequestError, HttpError, NotFoundError, ServiceUnavailableError } from '../errors';
import type { Stored } from '../routes/resource';

export interface ChatDeps {
  models: Models;
  redis: Redis;
  keys: BusKeys;
  temporal: Temporal;
  taskQueue: string;
  turnsPerRun: number;
  logger: Logger;
}

export interface StartTurn {
  user: User;
  session: Stored;
  assistant: Stored;
  text: string;
  attachments: string[];
  params: TurnParams;
  wsId?: string;
  modelQuery?: string;
  givenSources?: SourceRef[];
}

class AssistantNotFoundError extends HttpError {
  constructor(id: string) {
    super(404, `assistant [${id}] is not found`);
  }
}

export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  /** The checks a turn needs before anything is stored: the assistant can answer, the socket is there. */
  async checkTurn(assistantId: string, wsId: string | undefined, wsRequired: boolean): Promise<Stored> {
    const [assistant, wsKnown] = await Promise.all([
      this.deps.models.Assistant.findById(assistantId).lean() as Promise<Stored | null>,
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
    return assistant;
  }

  async loadOwnSession(id: string, user: User, shape: 'result' | 'found' = 'result'): Promise<Stored> {
    const session = (await this.deps.models.Session.findById(id).lean()) as Stored | null;
    // Someone else's session is reported as missing: its existence is not theirs to learn.
    if (!session || session.owner_id !== user.id) throw new NotFoundError(id, shape, 'session');
    return session;
  }

  async createSession(user: User, title: string, visible: boolean): Promise<Stored> {
    const doc = await this.deps.models.Session.create({ title: title.slice(0, 50), status: 'active', visible, owner_id: user.id });
    return doc.toObject() as Stored;
  }

  /** Saves the user message and hands the turn to the session's workflow (starting it if needed). */
  async startTurn(t: StartTurn): Promise<{ userMessage: Stored; replyId: string }> {
    const { models } = this.deps;
    const replyId = newId();
    const created = await models.ChatMessage.create({
      type: 'user',
      session_id: t.session._id,
      assistant_id: t.assistant._id,
      message: t.text,
      attachments: t.attachments,
      owner_id: t.user.id,
      reply_message_id: replyId,
    });
    const userMessage = created.toObject() as Stored;
    const reopened = t.session.status === 'closed';
    if (reopened) await models.Session.updateOne({ _id: t.session._id }, { $set: { status: 'active' } });

    const turn: Turn = {
      sessionId: t.session._id,
      replyId,
      userMessageId: userMessage._id,
      assistantId: t.assistant._id,
      ownerId: t.user.id,
      text: t.text,
      params: t.params,
      ...(t.modelQuery !== undefined && { modelQuery: t.modelQuery }),
      ...(t.givenSources !== undefined && { givenSources: t.givenSources }),
    };
    try {
      await this.sendTurn(turn, t.assistant);
    } catch (err) {
      await models.ChatMessage.deleteOne({ _id: userMessage._id });
      if (reopened) await models.Session.updateOne({ _id: t.session._id }, { $set: { status: 'closed' } });
      this.deps.logger.error({ err, session_id: t.session._id }, 'could not hand the turn to its workflow');
      throw new ServiceUnavailableError(`the reply could not be started: ${(err as Error).message}`);
    }
    await Promise.all([
      this.deps.redis.set(this.deps.keys.currentReply(t.session._id), replyId, { EX: 3600 }),
      t.wsId ? this.deps.redis.publish(this.deps.keys.wsChannel(t.wsId), JSON.stringify({ replyId, afterSeq: 0 })) : undefined,
    ]);
    return { userMessage, replyId };
  }

  private async sendTurn(turn: Turn, assistant: Stored, retried = false): Promise<void> {
    const client = this.deps.temporal.client;
    const input: ChatSessionInput = {
      sessionId: turn.sessionId,
      ownerId: turn.ownerId,
      keepaliveMs: parseDuration(String(assistant.keepalive ?? '30m'), 30 * 60_000),
      turnsPerRun: this.deps.turnsPerRun,
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
      await client.workflow.executeUpdateWithStart(sendMessageUpdate, { args: [turn], startWorkflowOperation });
    } catch (err) {
      // A session that is still closing refuses turns; once its run completes, the next one starts fresh.
      if (!retried && err instanceof WorkflowUpdateFailedError && /closing/.test(String((err.cause as Error)?.message))) {
        await client.workflow.getHandle(workflowIdForSession(turn.sessionId)).result().catch(() => undefined);
        return this.sendTurn(turn, assistant, true);
      }
      throw err;
    }
  }

  /** Cancels the running reply (or the one for messageId). Idempotent; fine when nothing runs. */
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

  /** Closes the session: its in-flight reply is cancelled and saved, its workflow completes. */
  async close(sessionId: string): Promise<void> {
    const current = await this.deps.redis.get(this.deps.keys.currentReply(sessionId));
    if (current) await requestCancel(this.deps.redis, this.deps.keys, current);
    await this.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).signal(closeSignal).catch(() => undefined);
  }
}
