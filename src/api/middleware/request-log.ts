// Request id (echoed in X-Request-Id) and one structured log line per request. Never logs headers,
// query strings or bodies: those may carry tokens and keys.
import { randomUUID } from 'node:crypto';
import type { Next } from 'koa';
import { type Logger, traceFields } from '../../infra/logger';
import type { AppContext } from '../context';

const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function requestLog(logger: Logger) {
  return async (ctx: AppContext, next: Next) => {
    const given = ctx.get('X-Request-Id');
    const requestId = ID_PATTERN.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    // The request's trace (when traced): the API hands contexts on explicitly, so its lines bind it.
    ctx.state.log = logger.child({ request_id: requestId, ...(ctx.state.trace && traceFields(ctx.state.trace)) });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = ctx.status >= 500 ? 'error' : 'info';
      ctx.state.log[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, user: ctx.state.user?.id }, 'request');
    }
  };
}
