// The WebSocket transport (coco-api.md §4.1) on /ws, for both listeners: authenticated upgrade, the
// `CONFIG websocket-session-id: <id>` frame, then `PRIVATE <chunk json>` frames for every reply sent
// with that id. The id is registered in Redis, so any API instance can accept `_send` for it.
import type http from 'node:http';
import type Koa from 'koa';
import websockify from 'koa-websocket';
import type WebSocket from 'ws';
import type { ServerOptions } from 'ws';
import { followReply } from '../../bus/follow';
import type { RedisHub } from '../../bus/hub';
import type { BusKeys } from '../../bus/keys';
import type { WsAttachNotice } from '../../bus/ws-attach';
import type { Logger } from '../../infra/logger';
import type { Redis } from '../../infra/redis';
import type { Tokens } from '../../domain/tokens';
import { newId } from '../../shared/ids';
import { tokenFromHeaders } from '../middleware/auth';

export interface WsDeps {
  tokens: Tokens;
  redis: Redis;
  hub: RedisHub;
  keys: BusKeys;
  logger: Logger;
  pingIntervalMs: number;
}

const PRESENCE_TTL_SEC = 180;

function tokenOf(req: http.IncomingMessage): string | undefined {
  const header = tokenFromHeaders((name) => String(req.headers[name.toLowerCase()] ?? ''));
  if (header) return header;
  // Browsers cannot set headers on a WebSocket: they may pass the token as a query parameter.
  const url = new URL(req.url ?? '/', 'http://localhost');
  return url.searchParams.get('token') ?? undefined;
}

/** Adds /ws to the app and attaches it to each HTTP server. Returns a function that closes all sockets. */
export function attachWebSocket<S, C>(app: Koa<S, C>, servers: http.Server[], deps: WsDeps): () => Promise<void> {
  const wsApp = websockify(app);
  const sockets = new Set<WebSocket>();

  wsApp.ws.use(async (ctx) => {
    const socket = ctx.websocket;
    const wsId = newId();
    const follows = new Map<AbortController, string>(); // → the reply it forwards
    sockets.add(socket);
    await deps.redis.set(deps.keys.wsKey(wsId), '1', { EX: PRESENCE_TTL_SEC });
    const unlisten = await deps.hub.listen(deps.keys.wsChannel(wsId), (message) => {
      const notice = JSON.parse(message) as WsAttachNotice;
      if ('detach' in notice) {
        for (const [abort, replyId] of follows) if (replyId === notice.replyId) abort.abort();
        return;
      }
      const abort = new AbortController();
      follows.set(abort, notice.replyId);
      void followReply(deps.redis, deps.hub, deps.keys, notice.replyId, {
        afterSeq: notice.afterSeq,
        signal: abort.signal,
        onChunk: (chunk) => {
          if (socket.readyState === socket.OPEN) socket.send(`PRIVATE ${JSON.stringify(chunk)}`);
        },
      })
        .catch((err) => deps.logger.warn({ err, ws: wsId }, 'websocket relay failed'))
        .finally(() => follows.delete(abort));
    });
    socket.send(`CONFIG websocket-session-id: ${wsId}`);

    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const pinger = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
      void deps.redis.expire(deps.keys.wsKey(wsId), PRESENCE_TTL_SEC).catch(() => undefined);
    }, deps.pingIntervalMs);
    socket.on('message', (data) => {
      const text = data.toString().trim();
      if (text === 'help') socket.send('SYSTEM COMMAND LIST: help');
    });
    socket.on('close', () => {
      clearInterval(pinger);
      sockets.delete(socket);
      for (const f of follows.keys()) f.abort(); // the replies go on; the client can resume them
      void unlisten();
      void deps.redis.del(deps.keys.wsKey(wsId)).catch(() => undefined);
    });
  });

  for (const server of servers) {
    wsApp.ws.listen({
      server,
      path: '/ws',
      maxPayload: 4096,
      verifyClient: (info, done) => {
        const token = tokenOf(info.req);
        if (!token) return done(false, 401, 'invalid login');
        deps.tokens.userFor(token).then(
          (user) => (user ? done(true) : done(false, 401, 'invalid login')),
          () => done(false, 503, 'token check failed'),
        );
      },
    } satisfies ServerOptions);
  }

  return async () => {
    for (const s of sockets) s.terminate();
  };
}
