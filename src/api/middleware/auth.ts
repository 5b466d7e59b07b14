import type { Next } from 'koa';
import type { Tokens } from '../../domain/tokens';
import { UnauthorizedError } from '../errors';
import type { AppContext } from '../context';

/** The token a request carries: X-API-TOKEN, or Authorization: Bearer. */
export function tokenFromHeaders(get: (name: string) => string): string | undefined {
  const apiToken = get('X-API-TOKEN').trim();
  if (apiToken) return apiToken;
  const auth = get('Authorization').trim();
  const m = auth.match(/^Bearer\s+(.+)$/i);
  return m ? (m[1] as string).trim() : undefined;
}

/**
 * Every route but the public ones needs a valid X-API-TOKEN or Bearer token, else 401 "invalid login".
 * It runs before the body is read, so anonymous callers learn nothing about routes or payloads.
 */
export function auth(tokens: Tokens, isPublic: (ctx: AppContext) => boolean) {
  return async (ctx: AppContext, next: Next) => {
    if (isPublic(ctx)) return next();
    const token = tokenFromHeaders((h) => ctx.get(h));
    const user = token ? await tokens.userFor(token) : undefined;
    if (!user) throw new UnauthorizedError();
    ctx.state.user = user;
    return next();
  };
}
