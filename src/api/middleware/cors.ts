// CORS (@koa/cors). Clients send their token in a header, which needs no credentials mode: by default any
// origin may call the API, without credentials (`Access-Control-Allow-Origin: *`). COCO_CORS_ORIGINS lists
// the origins that may (their requests get credentials); once it is set, no other origin gets CORS headers.
// The Temporal UI's origins get credentials on the codec endpoint only (it signs in with the login cookie,
// which is scoped to that path: see routes/account).
import koaCors from '@koa/cors';
import type { Middleware } from 'koa';

const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'X-API-TOKEN', 'APP-INTEGRATION-ID', 'WEBSOCKET-SESSION-ID', 'X-Request-Id', 'X-Namespace'];

export const CODEC_PATH = '/temporal/codec/';

export function cors(origins: readonly string[], temporalUiOrigins: readonly string[] = []): Middleware {
  const listed = new Set(origins);
  const ui = new Set(temporalUiOrigins);
  const credentialed = (ctx: { get(h: string): string; path: string }) => listed.has(ctx.get('Origin')) || (ui.has(ctx.get('Origin')) && ctx.path.startsWith(CODEC_PATH));
  return koaCors({
    origin: (ctx) => (credentialed(ctx) ? ctx.get('Origin') : listed.size === 0 ? '*' : ''),
    credentials: credentialed,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: ['Retry-After', 'X-Request-Id', 'Content-Disposition', 'X-Coco-Session-Id'],
    maxAge: 600,
  });
}
