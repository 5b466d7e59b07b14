// Validates the JSON body against a zod schema; the first problems are named by their field path.
import type { Next } from 'koa';
import type { z } from 'zod';
import { BadRequestError } from '../errors';
import type { AppContext } from '../context';

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`)).join('');
      return `${path || 'body'}: ${i.message}`;
    })
    .join('; ');
}

export function validate(schema: z.ZodType, opts: { emptyAs?: unknown } = {}) {
  return async (ctx: AppContext, next: Next) => {
    let body = ctx.request.body;
    if (body === undefined) {
      if (!('emptyAs' in opts)) throw new BadRequestError('request body is empty: expected a JSON object');
      body = opts.emptyAs;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestError('request body must be a JSON object');
    }
    const result = schema.safeParse(body);
    if (!result.success) throw new BadRequestError(formatIssues(result.error));
    ctx.state.input = result.data;
    return next();
  };
}
