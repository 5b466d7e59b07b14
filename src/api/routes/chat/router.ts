// Chat sessions (coco-api.md §3): WebSocket-era sends (_new, _send), NDJSON streaming (_create, _chat,
// /assistant/:id/_ask), session CRUD and listings, open/close/cancel, and resume (_stream).
import Router from '@koa/router';
import type { Chat } from '../../chat';
import type { AppContextExt, AppState } from '../../context';
import { admit } from '../../middleware/admission';
import { notFoundAs } from '../../middleware/errors';
import { duplicateThrottle } from '../../middleware/throttle';
import { validate } from '../../middleware/validate';
import { SendBody, SessionUpdate } from './schema';
import { sessionHandlers } from './session-handlers';
import { turnHandlers } from './turn-handlers';

export function chatRouter(chat: Chat) {
  const throttle = duplicateThrottle(chat.stream.redis, chat.stream.keys);
  const body = validate(SendBody, { emptyAs: {} });
  const turns = turnHandlers(chat);
  const s = sessionHandlers(chat);
  const found = notFoundAs('found');
  const admitted = admit(chat.admission);

  return new Router<AppState, AppContextExt>()
    .post('/chat/_new', body, throttle, admitted, turns.newSession('ws'))
    .post('/chat/_create', body, throttle, admitted, turns.newSession('stream'))
    .post('/assistant/:id/_ask', body, throttle, admitted, turns.newSession('ask'))
    .get('/chat/_history', s.listSessions)
    .get('/chat/:id', s.getSession)
    .put('/chat/:id', validate(SessionUpdate), s.updateSession)
    .delete('/chat/:id', s.deleteSession)
    .get('/chat/:id/_history', s.listMessages)
    .post('/chat/:id/_open', found, s.openSession)
    .post('/chat/:id/_close', found, s.closeSession)
    .post('/chat/:id/_cancel', s.cancel)
    .post('/chat/:id/_send', body, throttle, admitted, turns.send('ws'))
    .post('/chat/:id/_chat', body, throttle, admitted, turns.send('stream'))
    .get('/chat/:id/_stream', turns.resume);
}
