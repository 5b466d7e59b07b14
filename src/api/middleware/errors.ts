// The one place error responses are written.
import type { Next } from 'koa';
import { HttpError } from '../errors';
import type { AppContext } from '../context';

export function errorEnvelope() {
  return async (ctx: AppContext, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof HttpError) {
        ctx.status = err.status;
        ctx.body = err.body();
        return;
      }
      ctx.state.log?.error({ err }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { status: 500, error: { reason: 'internal server error', request_id: ctx.state.requestId } };
    }
  };
}
