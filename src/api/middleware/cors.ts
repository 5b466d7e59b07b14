// Coco's CORS: echo the Origin, allow its headers and methods, answer preflights at once.
import type { Next } from 'koa';
import type { AppContext } from '../context';

const ALLOW_HEADERS = 'Authorization, Content-Type, X-API-TOKEN, APP-INTEGRATION-ID, WEBSOCKET-SESSION-ID, X-Request-Id';

export function cors() {
  return async (ctx: AppContext, next: Next) => {
    const origin = ctx.get('Origin');
    if (origin) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
      ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
      ctx.set('Vary', 'Origin');
    }
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      ctx.status = 200;
      return;
    }
    return next();
  };
}
