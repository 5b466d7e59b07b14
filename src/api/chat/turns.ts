// Starting a turn: every check runs before anything is stored (the assistant can answer, the socket is
// there); then the user message is saved and the turn handed to the session's workflow at once, as both
// are on the way to the first token. If either fails, the other is undone.
import { attachReply, detachReply } from '../../bus/ws-attach';
import type { BusKeys } from '../../bus/keys';
import type { Assistants } from '../../domain/assistants/assistants';
import type { Attachments } from '../../domain/attachments/attachments';
import { hasAnsweringModel, historyNumberOf } from '../../domain/assistants/records';
import type { Stored } from '../../domain/record';
import type { Messages } from '../../domain/sessions/messages';
import type { Sessions } from '../../domain/sessions/sessions';
import type { User } from '../../domain/users';
import type { Logger } from '../../infra/logger';
import type { Redis } from '../../infra/redis';
import type { TraceContext } from '../../infra/tracing';
import { parseDuration, SourceRef, Turn, TurnParams } from '../../shared/chat';
import { newId } from '../../shared/ids';
import { BadRequestError, HttpError, ServiceUnavailableError, SocketNotFoundError } from '../errors';
import type { ReplyControl } from './control';
import type { SessionLabels, SessionWorkflows } from './workflows';

const DEFAULT_KEEPALIVE_MS = 30 * 60_000;
/** Files a turn reads at most (Coco's prompt takes 12). */
const TURN_FILES = 12;

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
  /** The request's trace, continued by the turn's Temporal update (tracing on). */
  trace?: TraceContext;
}

export interface TurnDeps {
  assistants: Assistants;
  attachments: Attachments;
  sessions: Sessions;
  messages: Messages;
  workflows: SessionWorkflows;
  control: ReplyControl;
  redis: Redis;
  keys: BusKeys;
  admissionMs: number;
  logger: Logger;
}

/** A turn names an assistant by id (a query parameter): a missing one is an error, not a missing resource. */
class AssistantNotFoundError extends HttpError {
  constructor(id: string) {
    super(404, `assistant [${id}] is not found`);
  }
}

/** A widget's turn reads only its integration's datasources, whatever the request asks for. */
function scopedParams(params: TurnParams, user: User): TurnParams {
  const allowed = user.integration?.datasources;
  if (!allowed) return params;
  return { ...params, datasource: (params.datasource ?? allowed).filter((id) => allowed.includes(id)) };
}

/** What the Temporal UI says of the turn's session (names and ids; the title only if text may show). */
function labelsOf(t: StartTurn): SessionLabels {
  const a = t.assistant.doc;
  const model = a.answering_model as { provider_id?: string; name?: string } | null | undefined;
  return {
    title: typeof t.session.title === 'string' ? t.session.title : undefined,
    assistantName: typeof a.name === 'string' && a.name ? a.name : a._id,
    provider: model?.provider_id,
    model: model?.name,
    username: t.user.username,
  };
}

export class Turns {
  constructor(private readonly deps: TurnDeps) {}

  /** The checks a turn needs before anything is stored: the assistant can answer, the socket is there. */
  async check(user: User, assistantId: string, wsId: string | undefined, wsRequired: boolean): Promise<CheckedAssistant> {
    const [{ value: assistant, version }, wsOwner] = await Promise.all([
      this.deps.assistants.getVersioned(assistantId),
      wsId ? this.deps.redis.get(this.deps.keys.wsKey(wsId)) : Promise.resolve(user.id),
    ]);
    // A widget chats only with its integration's assistants; any other is as good as missing.
    if (!assistant || (user.integration && !user.integration.assistants.includes(assistantId))) throw new AssistantNotFoundError(assistantId);
    if (assistant.enabled === false) throw new BadRequestError(`assistant [${assistantId}] is not enabled`);
    if (!hasAnsweringModel(assistant)) throw new BadRequestError(`assistant [${assistantId}] has no answering model configured. Please set it up first`);
    if (wsRequired && !wsId) throw new BadRequestError('the WEBSOCKET-SESSION-ID header is required here (or use the streaming endpoints _create / _chat)');
    // Another user's socket is answered exactly like one that does not exist.
    if (wsId && wsOwner !== user.id) throw new SocketNotFoundError(wsId);
    return { doc: assistant, version };
  }

  /**
   * Saves the user message and hands the turn to the session's workflow. A socket is told to follow the
   * reply at the same time, so it is listening when the first chunk comes.
   */
  async start(t: StartTurn): Promise<{ userMessage: Stored; replyId: string }> {
    const { redis, keys } = this.deps;
    // The message's files: the caller's own, within the assistant's upload settings (before anything is stored).
    await this.deps.attachments.checkForTurn(t.user, t.attachments, t.assistant.doc._id, t.assistant.doc.upload);
    const files = [...new Set([...t.attachments, ...((t.session.context?.attachments as string[] | undefined) ?? [])])].slice(0, TURN_FILES);
    const replyId = newId();
    const params = scopedParams(t.params, t.user);
    const turn: Turn = {
      sessionId: t.session._id,
      replyId,
      userMessageId: newId(),
      assistantId: t.assistant.doc._id,
      assistantVersion: t.assistant.version,
      ownerId: t.user.id,
      text: t.text,
      params,
      ...(t.modelQuery !== undefined && { modelQuery: t.modelQuery }),
      ...(t.givenSources !== undefined && { givenSources: t.givenSources }),
      historyNumber: historyNumberOf(t.assistant.doc),
      sentAt: Date.now(),
      admissionMs: this.deps.admissionMs,
      ...(files.length > 0 && { attachments: files }),
    };
    const reopened = t.session.status === 'closed';
    const keepaliveMs = parseDuration(String(t.assistant.doc.keepalive ?? '30m'), DEFAULT_KEEPALIVE_MS);
    // The turn goes out first: its request is on its way while the message is being written.
    const [sent, saved] = await Promise.allSettled([
      this.deps.workflows.send(turn, keepaliveMs, t.newSession === true, labelsOf(t), t.trace),
      this.deps.messages.createUserMessage({ id: turn.userMessageId, sessionId: turn.sessionId, assistantId: turn.assistantId, ownerId: turn.ownerId, text: t.text, attachments: t.attachments, replyId }),
      reopened ? this.deps.sessions.setStatus(t.session._id, 'active') : undefined,
      // Following is gap-free from the reply's log, so the attach may land before or after the first chunk.
      t.wsId ? attachReply(redis, keys, t.wsId, replyId, 0) : undefined,
    ]);
    if (saved.status === 'rejected' || sent.status === 'rejected') {
      const err = (sent.status === 'rejected' ? sent.reason : (saved as PromiseRejectedResult).reason) as Error;
      await this.undo(turn, t, { saved: saved.status === 'fulfilled', sent: sent.status === 'fulfilled', reopened });
      this.deps.logger.error({ err, session_id: t.session._id }, 'could not start the turn');
      throw new ServiceUnavailableError(`the reply could not be started: ${err.message}`);
    }
    return { userMessage: saved.value, replyId };
  }

  /** Undoes what a turn that could not start left behind: the saved message, the running reply, the attach. */
  private async undo(turn: Turn, t: StartTurn, done: { saved: boolean; sent: boolean; reopened: boolean }) {
    const { redis, keys } = this.deps;
    const undone = await Promise.allSettled([
      done.saved ? this.deps.messages.deleteMessage(turn.userMessageId) : undefined,
      // The workflow took a turn whose message could not be saved: it stops at once and leaves nothing.
      done.sent ? this.deps.control.withdraw(turn, t.trace) : undefined,
      done.reopened && !done.sent ? this.deps.sessions.setStatus(t.session._id, 'closed') : undefined,
      t.wsId ? detachReply(redis, keys, t.wsId, turn.replyId) : undefined,
    ]);
    for (const r of undone) {
      if (r.status === 'rejected') this.deps.logger.error({ err: r.reason, session_id: turn.sessionId, reply_id: turn.replyId }, 'could not undo a turn that did not start');
    }
  }
}
