// The one place error responses are written: the API's own errors, domain errors and search errors, each
// mapped to its status and Coco's envelope {"status":N,"error":{"reason":"..."}}. A record that does not
// exist is answered in Coco's write-envelope shape instead: {"_id":..,"result":"not_found"}, or
// {"_id":..,"found":false} on the routes that declare it (notFoundAs).
import type { Next } from 'koa';
import { DomainError, Forbidden, InvalidInput, NotFound } from '../../domain/errors';
import { SearchQueryError } from '../../search/errors';
import type { AppContext, NotFoundShape } from '../context';
import { HttpError } from '../errors';

function envelope(status: number, reason: string) {
  return { status, error: { reason } };
}

function notFoundBody(err: NotFound, shape: NotFoundShape) {
  return shape === 'found' ? { _id: err.id, found: false } : { _id: err.id, result: 'not_found' };
}

/** An error the API knows: its status and reason (and, for a 404, the missing record). */
export interface KnownError {
  status: number;
  reason: string;
  headers?: Record<string, string>;
  notFound?: NotFound;
}

/** What an error means over HTTP, or undefined for anything else (a bug: 500). Each error shape renders it. */
export function knownError(err: unknown): KnownError | undefined {
  if (err instanceof HttpError) return { status: err.status, reason: err.reason, headers: err.headers };
  if (err instanceof NotFound) return { status: 404, reason: err.message, notFound: err };
  if (err instanceof InvalidInput || err instanceof SearchQueryError) return { status: 400, reason: err.message };
  if (err instanceof Forbidden) return { status: 403, reason: err.message };
  if (err instanceof DomainError) return { status: 400, reason: err.message };
  return undefined;
}

/** Status and body of an error the API knows, in Coco's envelope, or undefined for anything else. */
function renderError(err: unknown, shape: NotFoundShape = 'result'): { status: number; body: unknown; headers?: Record<string, string> } | undefined {
  const known = knownError(err);
  if (!known) return undefined;
  return { status: known.status, body: known.notFound ? notFoundBody(known.notFound, shape) : envelope(known.status, known.reason), headers: known.headers };
}

export function errorEnvelope() {
  return async (ctx: AppContext, next: Next) => {
    try {
      await next();
    } catch (err) {
      const known = renderError(err, ctx.state.notFoundShape);
      if (known) {
        ctx.status = known.status;
        ctx.body = known.body;
        if (known.headers) ctx.set(known.headers);
        return;
      }
      ctx.state.log?.error({ err }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { status: 500, error: { reason: 'internal server error', request_id: ctx.state.requestId } };
    }
  };
}

/** Declares how a route answers for a record that does not exist (Coco uses both shapes). */
export function notFoundAs(shape: NotFoundShape) {
  return async (ctx: AppContext, next: Next) => {
    ctx.state.notFoundShape = shape;
    return next();
  };
}
