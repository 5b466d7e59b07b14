import type { Next } from 'koa';
import { tokenFromHeaders, userForToken } from '../../auth/tokens';
import type { Models } from '../../models';
import { UnauthorizedError } from '../errors';
import type { AppContext } from '../context';

/**
 * Every route but the public ones needs a valid X-API-TOKEN or Bearer token, else 401 "invalid login".
 * It runs before the body is read, so anonymous callers learn nothing about routes or payloads.
 */
export function auth(models: Models, isPublic: (ctx: AppContext) => boolean) {
  return async (ctx: AppContext, next: Next) => {
    if (isPublic(ctx)) return next();
    const token = tokenFromHeaders((h) => ctx.get(h));
    const user = token ? await userForToken(models, token) : undefined;
    if (!user) throw new UnauthorizedError();
    ctx.state.user = user;
    return next();
  };
}
