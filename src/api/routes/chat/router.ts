// Chat sessions (coco-api.md §3): WebSocket-era sends (_new, _send), NDJSON streaming (_create, _chat,
// /assistant/:id/_ask), session CRUD and listings, open/close/cancel, and resume (_stream).
import Router from '@koa/router';
import { attachReply } from '../../../bus/ws-attach';
import type { Models } from '../../../models';
import type { MessageChunk } from '../../../shared/chat';
import { runSearch } from '../../../search/execute';
import { QueryParams, queryStringToEs } from '../../../search/query-string';
import type { ChatService } from '../../chat/service';
import { StreamDeps, streamReplyAsNdjson } from '../../chat/ndjson';
import type { AppContext, AppContextExt, AppState, User } from '../../context';
import { BadRequestError, NotFoundError } from '../../errors';
import { duplicateThrottle } from '../../middleware/throttle';
import { validate } from '../../middleware/validate';
import type { Stored } from '../resource';
import { MESSAGE_SEARCH_FIELDS, presentMessage, presentSession, SESSION_SEARCH_FIELDS } from './presenter';
import { overviewPayload, SendBody, SessionUpdate, turnParams } from './schema';

/** A saved reply as chunks: its text, then reply_end with the saved reason. */
function savedReplyChunks(saved: Stored): MessageChunk[] {
  const end = ((saved.details ?? []) as Array<{ type: string; payload?: unknown }>).find((d) => d.type === 'reply_end');
  const base = { session_id: saved.session_id, message_id: saved._id, reply_to_message: saved.reply_to_message };
  return [
    { ...base, message_type: 'assistant', chunk_sequence: 0, chunk_type: 'response', message_chunk: saved.message ?? '', seq: 1 },
    { ...base, message_type: 'system', chunk_sequence: 0, chunk_type: 'reply_end', message_chunk: JSON.stringify(end?.payload ?? { reason: 'completed' }), seq: 2 },
  ];
}

export function chatRouter(models: Models, chat: ChatService, stream: StreamDeps) {
  const router = new Router<AppState, AppContextExt>();
  const throttle = duplicateThrottle(stream.redis, stream.keys);
  const body = validate(SendBody, { emptyAs: {} });
  const userOf = (ctx: AppContext) => ctx.state.user as User;
  const wsIdOf = (ctx: AppContext) => ctx.get('WEBSOCKET-SESSION-ID').trim() || undefined;

  /** `_new` and `_create`: a session, and when there is a message, its first turn. */
  const newSession = (mode: 'ws' | 'stream' | 'ask') => async (ctx: AppContext) => {
    const input = ctx.state.input as SendBody;
    const { assistantId: fromQuery, params } = turnParams(ctx.query as QueryParams);
    const assistantId = mode === 'ask' ? (ctx.params.id as string) : fromQuery;
    let text = input.message.trim();
    if (mode === 'ask' && !text) throw new BadRequestError('message is empty');
    const overview = mode === 'ask' ? overviewPayload(text) : undefined;
    const modelQuery = overview ? text : undefined;
    if (overview) text = overview.query;
    const wsId = mode === 'ws' ? wsIdOf(ctx) : undefined;
    const assistant = text || mode === 'stream' ? await chat.checkTurn(assistantId, wsId, mode === 'ws') : undefined;
    const session = await chat.createSession(userOf(ctx), text, mode !== 'ask');
    const envelope = { _id: session._id, result: 'created', _source: presentSession(session) } as Record<string, unknown>;
    if (!text || !assistant) {
      ctx.body = envelope;
      return;
    }
    let started;
    try {
      started = await chat.startTurn({ user: userOf(ctx), session, assistant, text, attachments: input.attachments, params, wsId, modelQuery, givenSources: overview?.sources, newSession: true });
    } catch (err) {
      await chat.deleteSession(session._id); // nothing half-done remains
      throw err;
    }
    envelope.payload = presentMessage(started.userMessage);
    if (mode === 'ws') ctx.body = envelope;
    else streamReplyAsNdjson(ctx, stream, started.replyId, { first: envelope });
  };

  /** `_send` and `_chat`: a turn in an existing session. */
  const send = (mode: 'ws' | 'stream') => async (ctx: AppContext) => {
    const input = ctx.state.input as SendBody;
    const text = input.message.trim();
    if (!text) throw new BadRequestError('message is empty');
    const { assistantId, params } = turnParams(ctx.query as QueryParams);
    const wsId = mode === 'ws' ? wsIdOf(ctx) : undefined;
    const [session, assistant] = await Promise.all([chat.sessionForTurn(ctx.params.id as string, userOf(ctx)), chat.checkTurn(assistantId, wsId, mode === 'ws')]);
    const { userMessage, replyId } = await chat.startTurn({ user: userOf(ctx), session, assistant, text, attachments: input.attachments, params, wsId });
    const first = [{ _id: userMessage._id, result: 'created', _source: presentMessage(userMessage) }];
    if (mode === 'ws') ctx.body = first;
    else streamReplyAsNdjson(ctx, stream, replyId, { first });
  };

  const listSessions = async (ctx: AppContext) => {
    const qs = queryStringToEs(ctx.query as QueryParams, SESSION_SEARCH_FIELDS.defaultFields, 20);
    const scope = { bool: { filter: [{ term: { owner_id: userOf(ctx).id } }], must_not: [{ term: { visible: false } }] } };
    const clauses = [...(qs.query ? [qs.query] : []), scope];
    ctx.body = await runSearch(models.Session, { ...SESSION_SEARCH_FIELDS, hidden: [] }, { clauses, from: qs.from ?? 0, size: qs.size ?? 20, defaultSort: { created: -1 } }, (d) => presentSession(d as Stored));
  };

  const listMessages = async (ctx: AppContext) => {
    const session = await chat.loadOwnSession(ctx.params.id as string, userOf(ctx));
    const qs = queryStringToEs(ctx.query as QueryParams, MESSAGE_SEARCH_FIELDS.defaultFields, 20);
    const clauses = [...(qs.query ? [qs.query] : []), { term: { session_id: session._id } }];
    ctx.body = await runSearch(models.ChatMessage, MESSAGE_SEARCH_FIELDS, { clauses, from: qs.from ?? 0, size: qs.size ?? 20, defaultSort: { created: 1 } }, (d) => presentMessage(d as Stored));
  };

  const getSession = async (ctx: AppContext) => {
    const session = await chat.loadOwnSession(ctx.params.id as string, userOf(ctx));
    ctx.body = { _id: session._id, found: true, _source: presentSession(session) };
  };

  const updateSession = async (ctx: AppContext) => {
    const session = await chat.loadOwnSession(ctx.params.id as string, userOf(ctx));
    const input = ctx.state.input as SessionUpdate;
    const set: Record<string, unknown> = {};
    if (input.title !== undefined && input.title.trim() !== '') {
      set.title = input.title.trim();
      set.manually_renamed_title = true;
    }
    if (input.context) set.context = input.context;
    if (Object.keys(set).length === 0) throw new BadRequestError('no changes found: send a non-empty "title" or a "context"');
    await models.Session.updateOne({ _id: session._id }, { $set: set });
    ctx.body = { _id: session._id, result: 'updated' };
  };

  const deleteSession = async (ctx: AppContext) => {
    const session = await chat.loadOwnSession(ctx.params.id as string, userOf(ctx));
    await chat.close(session._id);
    await chat.deleteSession(session._id);
    ctx.body = { _id: session._id, result: 'deleted' };
  };

  const openSession = async (ctx: AppContext) => {
    const session = await chat.loadOwnSession(ctx.params.id as string, userOf(ctx), 'found');
    await chat.setSessionStatus(session._id, 'active', { visible: true });
    ctx.body = { _id: session._id, found: true, _source: presentSession({ ...session, status: 'active', visible: true }) };
  };

  const closeSession = async (ctx: AppContext) => {
    const session = await chat.loadOwnSession(ctx.params.id as string, userOf(ctx), 'found');
    await chat.close(session._id);
    const updated = new Date();
    await chat.setSessionStatus(session._id, 'closed');
    ctx.body = { _id: session._id, found: true, _source: presentSession({ ...session, status: 'closed', updated }) };
  };

  const cancel = async (ctx: AppContext) => {
    // Always acknowledged, also for unknown sessions or when nothing runs (Coco does the same).
    const session = (await models.Session.findById(ctx.params.id).lean()) as Stored | null;
    if (session && session.owner_id === userOf(ctx).id) {
      const messageId = typeof ctx.query.message_id === 'string' && ctx.query.message_id ? ctx.query.message_id : undefined;
      await chat.cancel(session._id, messageId);
    }
    ctx.body = { acknowledged: true };
  };

  /** Resume: the reply's chunks after `after_seq`, as NDJSON or to the caller's WebSocket. */
  const resume = async (ctx: AppContext) => {
    const session = await chat.loadOwnSession(ctx.params.id as string, userOf(ctx));
    const messageId = String(ctx.query.message_id ?? '');
    if (!messageId) throw new BadRequestError('message_id is required (the user message id or the reply id)');
    const afterSeq = ctx.query.after_seq === undefined ? 0 : Number(ctx.query.after_seq);
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new BadRequestError('after_seq: expected a non-negative integer');
    const msg = (await models.ChatMessage.findById(messageId).lean()) as Stored | null;
    if (!msg || msg.session_id !== session._id) throw new NotFoundError(messageId, 'result', 'message');
    const replyId = msg.type === 'user' ? (msg.reply_message_id as string) : msg._id;
    if (!replyId) throw new NotFoundError(messageId, 'result', 'reply');
    if (!(await stream.redis.exists(stream.keys.replyLog(replyId)))) {
      // The log expired (or never existed): a finished reply is served from the saved message.
      const saved = (await models.ChatMessage.findById(replyId).lean()) as Stored | null;
      if (saved) {
        ctx.type = 'application/json';
        ctx.body = savedReplyChunks(saved)
          .filter((c) => c.seq > afterSeq)
          .map((c) => `${JSON.stringify(c)}\n`)
          .join('');
        return;
      }
    }
    const wsId = wsIdOf(ctx);
    if (wsId) {
      if (!(await stream.redis.exists(stream.keys.wsKey(wsId)))) throw new BadRequestError(`websocket session [${wsId}] is not connected`);
      await attachReply(stream.redis, stream.keys, wsId, replyId, afterSeq);
      ctx.body = { acknowledged: true, reply_id: replyId };
      return;
    }
    streamReplyAsNdjson(ctx, stream, replyId, { afterSeq });
  };

  router
    .post('/chat/_new', body, throttle, newSession('ws'))
    .post('/chat/_create', body, throttle, newSession('stream'))
    .post('/assistant/:id/_ask', body, throttle, newSession('ask'))
    .get('/chat/_history', listSessions)
    .get('/chat/:id', getSession)
    .put('/chat/:id', validate(SessionUpdate), updateSession)
    .delete('/chat/:id', deleteSession)
    .get('/chat/:id/_history', listMessages)
    .post('/chat/:id/_open', openSession)
    .post('/chat/:id/_close', closeSession)
    .post('/chat/:id/_cancel', cancel)
    .post('/chat/:id/_send', body, throttle, send('ws'))
    .post('/chat/:id/_chat', body, throttle, send('stream'))
    .get('/chat/:id/_stream', resume);
  return router;
}
