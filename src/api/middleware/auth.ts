import type { Next } from 'koa';
import { tokenFromHeaders, userForToken } from '../../auth/tokens';
import type { Models } from '../../models';
import { UnauthorizedError } from '../errors';
import type { AppContext } from '../context';

/** Every route but the public ones: a valid X-API-TOKEN or Bearer token, else 401 "invalid login". */
export function auth(models: Models) {
  return async (ctx: AppContext, next: Next) => {
    const token = tokenFromHeaders((h) => ctx.get(h));
    const user = token ? await userForToken(models, token) : undefined;
    if (!user) throw new UnauthorizedError();
    ctx.state.user = user;
    return next();
  };
}
