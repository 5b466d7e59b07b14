// API tokens of the signed-in user: mint, list (masked), delete; and the profile.
import Router from '@koa/router';
import { z } from 'zod';
import { forgetCachedTokens, generateToken, storeToken } from '../../../auth/tokens';
import type { Models } from '../../../models';
import { rfc3339 } from '../../../shared/time';
import { BadRequestError, NotFoundError } from '../../errors';
import type { AppContextExt, AppState, User } from '../../context';
import { validate } from '../../middleware/validate';

const TOKEN_TTL_MS = 365 * 24 * 3600 * 1000;
const TokenRequest = z.object({ name: z.string().max(100).default('') });

export function authRouter(models: Models) {
  const router = new Router<AppState, AppContextExt>();

  router.post('/auth/request_access_token', validate(TokenRequest, { emptyAs: {} }), async (ctx) => {
    const { name } = ctx.state.input as z.infer<typeof TokenRequest>;
    const token = generateToken();
    const expireAt = new Date(Date.now() + TOKEN_TTL_MS);
    const doc = await storeToken(models, token, ctx.state.user as User, name || 'api token', expireAt);
    ctx.body = { id: doc._id, access_token: token, expire_in: Math.floor(expireAt.getTime() / 1000) };
  });

  router.get('/auth/access_token/_cat', async (ctx) => {
    const user = ctx.state.user as User;
    const docs = (await models.ApiToken.find({ user_id: user.id }).sort({ created: -1 }).lean()) as Array<{ _id: string; name: string; hint: string; created: Date; expire_at: Date | null }>;
    ctx.body = docs.map((d) => ({
      id: d._id,
      name: d.name,
      access_token: d.hint,
      created: rfc3339(d.created),
      expire_in: d.expire_at ? Math.floor(new Date(d.expire_at).getTime() / 1000) : null,
    }));
  });

  router.delete('/auth/access_token/:id', async (ctx) => {
    const user = ctx.state.user as User;
    const id = ctx.params.id as string;
    const count = await models.ApiToken.countDocuments({ user_id: user.id });
    const doc = await models.ApiToken.findOne({ _id: id, user_id: user.id }).lean();
    if (!doc) throw new NotFoundError(id, 'result', 'access token');
    if (count <= 1) throw new BadRequestError('cannot delete the last access token of this user');
    await models.ApiToken.deleteOne({ _id: id });
    forgetCachedTokens();
    ctx.body = { _id: id, result: 'deleted' };
  });

  router.get('/account/profile', async (ctx) => {
    const user = ctx.state.user as User;
    ctx.body = { id: user.id, username: user.username, roles: user.roles };
  });

  return router;
}
