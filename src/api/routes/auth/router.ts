// API tokens of the signed-in user: mint, list (masked), delete; and the profile.
import Router from '@koa/router';
import { z } from 'zod';
import type { Tokens } from '../../../domain/tokens';
import type { User } from '../../../domain/users';
import { rfc3339 } from '../../../shared/time';
import type { AppContextExt, AppState } from '../../context';
import { validate } from '../../middleware/validate';

const TokenRequest = z.object({ name: z.string().max(100).default('') });
const epochSeconds = (d: Date) => Math.floor(new Date(d).getTime() / 1000);

export function authRouter(tokens: Tokens) {
  const router = new Router<AppState, AppContextExt>();

  router.post('/auth/request_access_token', validate(TokenRequest, { emptyAs: {} }), async (ctx) => {
    const { name } = ctx.state.input as z.infer<typeof TokenRequest>;
    const minted = await tokens.mint(ctx.state.user as User, name);
    ctx.body = { id: minted.id, access_token: minted.token, expire_in: epochSeconds(minted.expireAt) };
  });

  router.get('/auth/access_token/_cat', async (ctx) => {
    const docs = await tokens.list(ctx.state.user as User);
    ctx.body = docs.map((d) => ({
      id: d._id,
      name: d.name,
      access_token: d.hint,
      created: rfc3339(d.created),
      expire_in: d.expire_at ? epochSeconds(d.expire_at) : null,
    }));
  });

  router.delete('/auth/access_token/:id', async (ctx) => {
    const id = ctx.params.id as string;
    await tokens.remove(ctx.state.user as User, id);
    ctx.body = { _id: id, result: 'deleted' };
  });

  router.get('/account/profile', async (ctx) => {
    const user = ctx.state.user as User;
    ctx.body = { id: user.id, username: user.username, roles: user.roles };
  });

  return router;
}
