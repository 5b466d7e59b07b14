// Chat sessions (coco-api.md §3): WebSocket-era sends (_new, _send), NDJSON streaming (_create, _chat,
// /assistant/:id/_ask), session CRUD and listings, open/close/cancel, and resume (_stream).
import Router from '@koa/router';
import type { Config } from '../../../config';
import type { Chat } from '../../chat';
import type { AppContextExt, AppState } from '../../context';
import { can } from '../../middleware/access';
import { admit } from '../../middleware/admission';
import { notFoundAs } from '../../middleware/errors';
import { duplicateThrottle } from '../../middleware/throttle';
import { validate } from '../../middleware/validate';
import { SendBody, SessionUpdate } from './schema';
import { sessionHandlers } from './session-handlers';
import { turnHandlers } from './turn-handlers';

export function chatRouter(chat: Chat, temporal: Pick<Config['temporal'], 'uiUrl' | 'namespace'>) {
  const throttle = duplicateThrottle(chat.stream.redis, chat.stream.keys);
  const body = validate(SendBody, { emptyAs: {} });
  const turns = turnHandlers(chat);
  const s = sessionHandlers(chat, temporal);
  const found = notFoundAs('found');
  const admitted = admit(chat.admission);
  // Every chat route: the caller's own sessions, messages, replies and sockets only (the handlers check).
  const c = can('chat');

  return new Router<AppState, AppContextExt>()
    .post('/chat/_new', c, body, throttle, admitted, turns.newSession('ws'))
    .post('/chat/_create', c, body, throttle, admitted, turns.newSession('stream'))
    .post('/assistant/:id/_ask', c, body, throttle, admitted, turns.newSession('ask'))
    .get('/chat/_history', can('chat:list'), s.listSessions)
    // The Sessions page: own sessions (an admin: everyone's), with turns, last activity and Temporal UI links.
    .get('/chat/_sessions', can('chat:list'), s.overview)
    .get('/chat/:id', c, s.getSession)
    .put('/chat/:id', c, validate(SessionUpdate), s.updateSession)
    .delete('/chat/:id', c, s.deleteSession)
    .get('/chat/:id/_history', c, s.listMessages)
    .post('/chat/:id/_open', c, found, s.openSession)
    .post('/chat/:id/_close', c, found, s.closeSession)
    .post('/chat/:id/_cancel', c, s.cancel)
    .post('/chat/:id/_send', c, body, throttle, admitted, turns.send('ws'))
    .post('/chat/:id/_chat', c, body, throttle, admitted, turns.send('stream'))
    .get('/chat/:id/_stream', c, turns.resume);
}
