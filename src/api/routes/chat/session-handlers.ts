// Handlers of the session routes: listings, read, rename, delete, open, close, cancel. Every session
// route reads only the caller's sessions (anyone else's is "not found"); cancel is always acknowledged.
import type { Config } from '../../../config';
import type { Chat } from '../../chat';
import { QueryParams, queryStringToEs } from '../../../search/query-string';
import { SESSION_SEARCH_FIELDS, MESSAGE_SEARCH_FIELDS } from '../../../domain/sessions/records';
import { OVERVIEW_MAX_SIZE, OVERVIEW_MAX_WINDOW } from '../../../domain/sessions/overview';
import { isAdmin } from '../../../domain/access';
import type { User } from '../../../domain/users';
import type { AppContext } from '../../context';
import { presentHits } from '../present';
import { presentMessage, presentOverviewRow, presentSession } from './presenter';
import { overviewPage, type SessionUpdate } from './schema';

const userOf = (ctx: AppContext) => ctx.state.user as User;

export function sessionHandlers(chat: Chat, temporal: Pick<Config['temporal'], 'uiUrl' | 'namespace'>) {
  const { sessions } = chat;
  const own = (ctx: AppContext) => sessions.loadOwn(ctx.params.id as string, userOf(ctx));

  /** The Sessions page: an admin sees every user's sessions, anyone else their own; with Temporal UI links. */
  const overview = async (ctx: AppContext) => {
    const { from, size } = overviewPage(ctx.query as QueryParams, OVERVIEW_MAX_SIZE, OVERVIEW_MAX_WINDOW);
    const user = userOf(ctx);
    const page = await sessions.overview(user, from, size);
    ctx.body = {
      total: page.total,
      from,
      size,
      all_users: isAdmin(user.roles),
      temporal_ui: { url: temporal.uiUrl, namespace: temporal.namespace },
      sessions: page.sessions.map((row) => presentOverviewRow(row, temporal)),
    };
  };

  const listSessions = async (ctx: AppContext) => {
    const qs = queryStringToEs(ctx.query as QueryParams, SESSION_SEARCH_FIELDS.defaultFields, 20);
    ctx.body = presentHits(await sessions.search(userOf(ctx), qs), presentSession);
  };

  const listMessages = async (ctx: AppContext) => {
    const session = await own(ctx);
    const qs = queryStringToEs(ctx.query as QueryParams, MESSAGE_SEARCH_FIELDS.defaultFields, 20);
    ctx.body = presentHits(await chat.messages.search(session._id, qs), presentMessage);
  };

  const getSession = async (ctx: AppContext) => {
    const session = await own(ctx);
    ctx.body = { _id: session._id, found: true, _source: presentSession(session) };
  };

  const updateSession = async (ctx: AppContext) => {
    const session = await own(ctx);
    const input = ctx.state.input as SessionUpdate;
    // A session's context may name only the caller's own files (anyone else's is "not found").
    if (input.context) await chat.attachments.checkOwned(userOf(ctx), input.context.attachments);
    await sessions.update(session._id, input);
    ctx.body = { _id: session._id, result: 'updated' };
  };

  const deleteSession = async (ctx: AppContext) => {
    const session = await own(ctx);
    await chat.control.close(session._id);
    await sessions.remove(session._id);
    ctx.body = { _id: session._id, result: 'deleted' };
  };

  const openSession = async (ctx: AppContext) => {
    const session = await own(ctx);
    await sessions.open(session);
    ctx.body = { _id: session._id, found: true, _source: presentSession({ ...session, status: 'active', visible: true }) };
  };

  const closeSession = async (ctx: AppContext) => {
    const session = await own(ctx);
    await chat.control.close(session._id);
    const updated = new Date();
    await sessions.setStatus(session._id, 'closed');
    ctx.body = { _id: session._id, found: true, _source: presentSession({ ...session, status: 'closed', updated }) };
  };

  const cancel = async (ctx: AppContext) => {
    // Always acknowledged, also for unknown sessions or when nothing runs (Coco does the same).
    const session = await sessions.find(ctx.params.id as string);
    if (session && session.owner_id === userOf(ctx).id) {
      const messageId = typeof ctx.query.message_id === 'string' && ctx.query.message_id ? ctx.query.message_id : undefined;
      await chat.control.cancel(session._id, messageId, ctx.state.trace);
    }
    ctx.body = { acknowledged: true };
  };

  return { overview, listSessions, listMessages, getSession, updateSession, deleteSession, openSession, closeSession, cancel };
}
