// Errors of the OpenAI-compatible routes in OpenAI's shape {"error":{"message","type","param","code"}},
// so OpenAI clients show them as they show OpenAI's own. It runs after the route's `can(...)`: 401 and 403
// from authentication keep the API's envelope (OpenAI clients go by the status: AuthenticationError,
// PermissionDeniedError). Errors it does not know go on to the API's error middleware (a 500).
import type { Next } from 'koa';
import type { AppContext } from '../../context';
import { HttpError } from '../../errors';
import { knownError } from '../../middleware/errors';

/** An error raised in OpenAI's terms (which parameter, which code). */
export class OpenAiError extends HttpError {
  constructor(
    status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(status, message);
  }
}

const TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'invalid_request_error', 409: 'invalid_request_error', 413: 'invalid_request_error', 429: 'rate_limit_error' };
const typeOf = (status: number) => TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');

export function openAiErrorBody(status: number, message: string, param: string | null = null, code: string | null = null) {
  return { error: { message, type: typeOf(status), param, code } };
}

function render(err: unknown): { status: number; body: unknown; headers?: Record<string, string> } | undefined {
  if (err instanceof OpenAiError) return { status: err.status, body: openAiErrorBody(err.status, err.reason, err.param, err.code), headers: err.headers };
  const known = knownError(err);
  if (!known) return undefined;
  const code = known.notFound ? `${known.notFound.what}_not_found` : null;
  return { status: known.status, body: openAiErrorBody(known.status, known.reason, null, code), headers: known.headers };
}

export function openAiErrors() {
  return async (ctx: AppContext, next: Next) => {
    try {
      await next();
    } catch (err) {
      const known = render(err);
      if (!known) throw err;
      ctx.status = known.status;
      ctx.body = known.body;
      if (known.headers) ctx.set(known.headers);
    }
  };
}
