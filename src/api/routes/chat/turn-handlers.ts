// Handlers that start turns (`_new`, `_create`, `/assistant/:id/_ask`, `_send`, `_chat`) and resume
// replies (`_stream`). Each answers at once over a WebSocket-era envelope, or streams the reply as NDJSON.
import type { Chat } from '../../chat';
import { streamReplyAsNdjson } from '../../chat/ndjson';
import type { QueryParams } from '../../../search/query-string';
import type { User } from '../../../domain/users';
import type { AppContext } from '../../context';
import { BadRequestError } from '../../errors';
import { presentMessage, presentSession } from './presenter';
import { overviewPayload, SendBody, turnParams } from './schema';

const userOf = (ctx: AppContext) => ctx.state.user as User;
const wsIdOf = (ctx: AppContext) => ctx.get('WEBSOCKET-SESSION-ID').trim() || undefined;

export function turnHandlers(chat: Chat) {
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
    const assistant = text || mode === 'stream' ? await chat.turns.check(userOf(ctx), assistantId, wsId, mode === 'ws') : undefined;
    const session = await chat.sessions.create(userOf(ctx), text, mode !== 'ask');
    const envelope = { _id: session._id, result: 'created', _source: presentSession(session) } as Record<string, unknown>;
    if (!text || !assistant) {
      ctx.body = envelope;
      return;
    }
    let started;
    try {
      started = await chat.turns.start({ user: userOf(ctx), session, assistant, text, attachments: input.attachments, params, wsId, modelQuery, givenSources: overview?.sources, newSession: true, trace: ctx.state.trace });
    } catch (err) {
      await chat.sessions.remove(session._id); // nothing half-done remains
      throw err;
    }
    envelope.payload = presentMessage(started.userMessage);
    if (mode === 'ws') ctx.body = envelope;
    else streamReplyAsNdjson(ctx, chat.stream, started.replyId, { sessionId: session._id, first: envelope });
  };

  /** `_send` and `_chat`: a turn in an existing session. */
  const send = (mode: 'ws' | 'stream') => async (ctx: AppContext) => {
    const input = ctx.state.input as SendBody;
    const text = input.message.trim();
    if (!text) throw new BadRequestError('message is empty');
    const { assistantId, params } = turnParams(ctx.query as QueryParams);
    const wsId = mode === 'ws' ? wsIdOf(ctx) : undefined;
    // Both at once (they are on the way to the first token), but a session that is not the caller's is
    // "not found" whatever else is wrong with the request.
    const [found, checked] = await Promise.allSettled([chat.sessions.forTurn(ctx.params.id as string, userOf(ctx)), chat.turns.check(userOf(ctx), assistantId, wsId, mode === 'ws')]);
    if (found.status === 'rejected') throw found.reason;
    if (checked.status === 'rejected') throw checked.reason;
    const [session, assistant] = [found.value, checked.value];
    const { userMessage, replyId } = await chat.turns.start({ user: userOf(ctx), session, assistant, text, attachments: input.attachments, params, wsId, trace: ctx.state.trace });
    const first = [{ _id: userMessage._id, result: 'created', _source: presentMessage(userMessage) }];
    if (mode === 'ws') ctx.body = first;
    else streamReplyAsNdjson(ctx, chat.stream, replyId, { sessionId: session._id, first });
  };

  /** Resume: the reply's chunks after `after_seq`, as NDJSON or to the caller's WebSocket. */
  const resume = async (ctx: AppContext) => {
    const session = await chat.sessions.loadOwn(ctx.params.id as string, userOf(ctx));
    const messageId = String(ctx.query.message_id ?? '');
    if (!messageId) throw new BadRequestError('message_id is required (the user message id or the reply id)');
    const afterSeq = ctx.query.after_seq === undefined ? 0 : Number(ctx.query.after_seq);
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new BadRequestError('after_seq: expected a non-negative integer');
    const replyId = await chat.replies.locate(session._id, messageId);
    const saved = await chat.replies.savedChunks(replyId, afterSeq);
    if (saved) {
      ctx.type = 'application/json';
      ctx.body = saved.map((c) => `${JSON.stringify(c)}\n`).join('');
      return;
    }
    const wsId = wsIdOf(ctx);
    if (wsId) {
      await chat.replies.attachToSocket(userOf(ctx).id, wsId, replyId, afterSeq);
      ctx.body = { acknowledged: true, reply_id: replyId };
      return;
    }
    streamReplyAsNdjson(ctx, chat.stream, replyId, { sessionId: session._id, afterSeq });
  };

  return { newSession, send, resume };
}
