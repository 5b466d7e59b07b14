// Coco's duplicate-request throttle for the send endpoints: the same request (same caller, path and
// body) twice within the window gets 429. Kept in Redis, so it holds across API instances.
import { createHash } from 'node:crypto';
import type { Next } from 'koa';
import type { BusKeys } from '../../bus/keys';
import type { Redis } from '../../infra/redis';
import { HttpError } from '../errors';
import type { AppContext } from '../context';

export class TooManyDuplicatesError extends HttpError {
  constructor() {
    super(429, 'Too many duplicate requests');
  }
}

export function duplicateThrottle(redis: Redis, keys: BusKeys, windowMs = 100) {
  return async (ctx: AppContext, next: Next) => {
    const h = createHash('sha256');
    for (const part of [ctx.ip, ctx.method, ctx.url, ctx.get('Authorization'), ctx.get('X-API-TOKEN'), ctx.get('User-Agent'), ctx.get('Content-Type'), ctx.get('WEBSOCKET-SESSION-ID')]) {
      h.update(part ?? '').update('\u0000');
    }
    h.update(JSON.stringify(ctx.request.body ?? null));
    const fresh = await redis.set(keys.throttleKey(h.digest('hex')), '1', { PX: windowMs, NX: true });
    if (fresh === null) throw new TooManyDuplicatesError();
    return next();
  };
}
