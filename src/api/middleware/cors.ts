// CORS (@koa/cors). Clients send their token in a header, which needs no credentials mode: by default any
// origin may call the API, without credentials (`Access-Control-Allow-Origin: *`). COCO_CORS_ORIGINS lists
// the origins that may (their requests get credentials); once it is set, no other origin gets CORS headers.
import koaCors from '@koa/cors';
import type { Middleware } from 'koa';

const ALLOW_HEADERS = ['Authorization', 'Content-Type', 'X-API-TOKEN', 'APP-INTEGRATION-ID', 'WEBSOCKET-SESSION-ID', 'X-Request-Id', 'X-Namespace'];

export function cors(origins: readonly string[]): Middleware {
  const listed = new Set(origins);
  return koaCors({
    origin: (ctx) => (listed.size === 0 ? '*' : listed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    credentials: (ctx) => listed.has(ctx.get('Origin')),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: ['Retry-After', 'X-Request-Id', 'Content-Disposition'],
    maxAge: 600,
  });
}
