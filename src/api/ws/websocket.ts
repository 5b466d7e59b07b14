// The WebSocket transport (coco-api.md §4.1) on /ws, for both listeners: authenticated upgrade, the
// `CONFIG websocket-session-id: <id>` frame, then `PRIVATE <chunk json>` frames for every reply sent
// with that id. The id is random and registered in Redis with its user (its presence), so any API
// instance can accept `_send` for it from that user and nobody else; when Redis comes back after a
// restart, every socket registers again, and one that cannot is closed with 1012 (service restart) so its
// client reconnects instead of sending into the void. A socket whose credential is taken away (token
// deleted, logout, user disabled) is closed with 1008 as soon as the change is announced.
import type http from 'node:http';
import type Koa from 'koa';
import websockify from 'koa-websocket';
import type WebSocket from 'ws';
import type { ServerOptions } from 'ws';
import type { WsAttachNotice } from '../../bus/ws-attach';
import { randomBytes } from 'node:crypto';
import type { CredentialChange, Credentials } from '../../domain/auth/credentials';
import type { User } from '../../domain/users';
import type { Logger } from '../../infra/logger';
import { metrics } from '../../infra/metrics';
import { relayEnded, relayReply, type StreamDeps } from '../chat/ndjson';
import { allows } from '../../domain/access';
import { tokenFromHeaders } from '../middleware/access';

export interface WsDeps {
  credentials: Credentials;
  stream: StreamDeps;
  logger: Logger;
  pingIntervalMs: number;
  /** How many sockets one token (credential) may hold open on this instance. */
  maxSocketsPerToken: number;
}

const PRESENCE_TTL_SEC = 180;
/** Close code for "the service restarted: connect again" (RFC 6455 registry). */
const RECONNECT = 1012;
/** Close code for "policy violation": the socket's credential no longer works. */
const REVOKED = 1008;

/** Who opened a socket: set by the upgrade check, read by the socket's setup. */
const upgrades = new WeakMap<http.IncomingMessage, { user: User; token: string }>();

/** Messages a client may send (it needs none but `help`): a burst, then this many per second. */
const MESSAGE_BURST = 20;
const MESSAGES_PER_SEC = 5;

/** Socket ids are sent with `_send` by the client: random, so nobody can guess another's. */
const newSocketId = () => randomBytes(15).toString('base64url');

export interface WebSockets {
  /** Re-checks the sockets a credential change may concern and closes those whose credential is gone. */
  revalidate(change: CredentialChange): Promise<void>;
  close(): Promise<void>;
}

const concerns = (change: CredentialChange, user: User) =>
  'all' in change || ('userId' in change && change.userId === user.id) || ('credentialId' in change && change.credentialId === user.credentialId);

function tokenOf(req: http.IncomingMessage): string | undefined {
  const header = tokenFromHeaders((name) => String(req.headers[name.toLowerCase()] ?? ''));
  if (header) return header;
  // Browsers cannot set headers on a WebSocket: they may pass the token as a query parameter.
  const url = new URL(req.url ?? '/', 'http://localhost');
  return url.searchParams.get('token') ?? undefined;
}

/** Adds /ws to the app and attaches it to each HTTP server. */
export function attachWebSocket<S, C>(app: Koa<S, C>, servers: http.Server[], deps: WsDeps): WebSockets {
  const wsApp = websockify(app);
  const { redis, hub, keys } = deps.stream;
  const sockets = new Map<WebSocket, { wsId: string; user: User; token: string }>();
  /** Open sockets per credential, for the per-token cap. */
  const perToken = new Map<string, number>();
  const tokenKey = (u: User) => u.credentialId ?? u.id;
  const count = (u: User, delta: number) => {
    const n = (perToken.get(tokenKey(u)) ?? 0) + delta;
    if (n > 0) perToken.set(tokenKey(u), n);
    else perToken.delete(tokenKey(u));
  };
  const register = (wsId: string, user: User) => redis.set(keys.wsKey(wsId), user.id, { EX: PRESENCE_TTL_SEC });

  // Every 'ready' after this one is a reconnect: Redis may have restarted and lost the presence keys.
  const reRegister = () => {
    for (const [socket, { wsId, user }] of sockets) {
      register(wsId, user).catch((err) => {
        deps.logger.warn({ err: (err as Error).message, ws: wsId }, 'websocket presence lost; asking the client to reconnect');
        socket.close(RECONNECT, 'service restarted: reconnect');
      });
    }
  };
  redis.on('ready', reRegister);

  /** Closes the socket when its credential no longer resolves (deleted, expired, logged out, user disabled). */
  const recheck = async (socket: WebSocket, token: string) => {
    const still = await deps.credentials.resolve(token).catch(() => 'unknown' as const);
    if (!still) socket.close(REVOKED, 'credential revoked');
  };

  wsApp.ws.use(async (ctx) => {
    const socket = ctx.websocket;
    const opener = upgrades.get(ctx.req);
    if (!opener) return socket.close(REVOKED, 'invalid login');
    const wsId = newSocketId();
    count(opener.user, 1);
    metrics.websockets.inc();
    const follows = new Map<AbortController, string>(); // → the reply it forwards
    // What the socket holds once set up; released on close, also when it closes during the setup.
    const held: { closed: boolean; unlisten?: () => Promise<void>; pinger?: NodeJS.Timeout } = { closed: false };
    socket.on('close', () => {
      held.closed = true;
      count(opener.user, -1);
      metrics.websockets.dec();
      clearInterval(held.pinger);
      sockets.delete(socket);
      for (const f of follows.keys()) f.abort(); // the replies go on; the client can resume them
      void held.unlisten?.();
      void redis.del(keys.wsKey(wsId)).catch(() => undefined);
    });

    const forward = (notice: WsAttachNotice) => {
      if ('detach' in notice) {
        for (const [abort, replyId] of follows) if (replyId === notice.replyId) abort.abort();
        return;
      }
      const abort = new AbortController();
      follows.set(abort, notice.replyId);
      const send = (frame: string) => socket.readyState === socket.OPEN && socket.send(frame);
      let sessionId = '';
      void relayReply(
        deps.stream,
        notice.replyId,
        notice.afterSeq,
        abort.signal,
        (chunk) => {
          sessionId = chunk.session_id;
          send(`PRIVATE ${JSON.stringify(chunk)}`);
        },
        (how, lastSeq) => send(`SYSTEM ${JSON.stringify({ reply_id: notice.replyId, ...relayEnded(how, sessionId, notice.replyId, lastSeq, deps.stream.idleMs) })}`),
      )
        .catch((err) => deps.logger.warn({ err, ws: wsId }, 'websocket relay failed'))
        .finally(() => follows.delete(abort));
    };

    await register(wsId, opener.user);
    const stopListening = await hub.listen(keys.wsChannel(wsId), (message) => forward(JSON.parse(message) as WsAttachNotice));
    if (held.closed) {
      void stopListening().catch(() => undefined);
      return void redis.del(keys.wsKey(wsId)).catch(() => undefined);
    }
    held.unlisten = stopListening;
    sockets.set(socket, { wsId, ...opener });
    // A change announced between the upgrade check and now found no socket to close: check once more.
    void recheck(socket, opener.token);
    socket.send(`CONFIG websocket-session-id: ${wsId}`);

    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    held.pinger = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
      void redis.expire(keys.wsKey(wsId), PRESENCE_TTL_SEC).catch(() => undefined);
      void recheck(socket, opener.token); // an expired token is not announced: each ping checks it
    }, deps.pingIntervalMs);
    let allowance = MESSAGE_BURST;
    let lastRefill = Date.now();
    socket.on('message', (data, isBinary) => {
      const now = Date.now();
      allowance = Math.min(MESSAGE_BURST, allowance + ((now - lastRefill) / 1000) * MESSAGES_PER_SEC);
      lastRefill = now;
      if (--allowance < 0) return socket.close(REVOKED, 'too many messages');
      if (isBinary) return;
      const text = data.toString().trim();
      if (text === 'help') socket.send('SYSTEM COMMAND LIST: help');
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
        deps.credentials.resolve(token).then(
          (user) => {
            if (!user) return done(false, 401, 'invalid login');
            // The socket streams the caller's replies: a token whose roles do not allow chat may not open one.
            if (!allows(user.roles, 'chat')) return done(false, 403, 'permission [chat] not allowed');
            const origin = info.origin;
            if (user.integration && origin && !user.integration.origins.includes(origin)) return done(false, 403, `origin [${origin}] is not allowed for this integration`);
            if ((perToken.get(tokenKey(user)) ?? 0) >= deps.maxSocketsPerToken) return done(false, 429, `this token has ${deps.maxSocketsPerToken} sockets open already`);
            upgrades.set(info.req, { user, token });
            done(true);
          },
          () => done(false, 503, 'token check failed'),
        );
      },
    } satisfies ServerOptions);
  }

  return {
    async revalidate(change) {
      await Promise.all([...sockets].filter(([, s]) => concerns(change, s.user)).map(([socket, s]) => recheck(socket, s.token)));
    },
    async close() {
      redis.off('ready', reRegister);
      for (const s of sockets.keys()) s.terminate();
    },
  };
}
