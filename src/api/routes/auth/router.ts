// API tokens: mint (the caller's roles or fewer; an admin may mint for another user), list (masked; an
// admin sees everyone's, with owner), delete (own; an admin: any).
import Router from '@koa/router';
import { z } from 'zod';
import { ROLES } from '../../../domain/access';
import type { Tokens } from '../../../domain/auth/tokens';
import type { User } from '../../../domain/users';
import { rfc3339 } from '../../../shared/time';
import type { AppContextExt, AppState } from '../../context';
import { can } from '../../middleware/access';
import { validate } from '../../middleware/validate';

const TokenRequest = z.object({
  name: z.string().max(100).default(''),
  roles: z.array(z.enum(ROLES, { error: `roles: each must be one of ${ROLES.join(', ')}` })).min(1, 'roles: at least one role').max(ROLES.length).optional(),
  user_id: z.string().min(1).max(64).optional(),
});
const epochSeconds = (d: Date) => Math.floor(new Date(d).getTime() / 1000);

export function authRouter(tokens: Tokens) {
  const router = new Router<AppState, AppContextExt>();
  const own = can('token:own');

  router.post('/auth/request_access_token', own, validate(TokenRequest, { emptyAs: {} }), async (ctx) => {
    const { name, roles, user_id } = ctx.state.input as z.infer<typeof TokenRequest>;
    const minted = await tokens.mint(ctx.state.user as User, { name, roles, userId: user_id });
    ctx.body = { id: minted.id, access_token: minted.token, expire_in: epochSeconds(minted.expireAt), roles: minted.roles };
  });

  router.get('/auth/access_token/_cat', own, async (ctx) => {
    const docs = await tokens.list(ctx.state.user as User);
    ctx.body = docs.map((d) => ({
      id: d._id,
      name: d.name,
      access_token: d.hint,
      roles: d.roles,
      user_id: d.user_id,
      username: d.username,
      created: rfc3339(d.created),
      expire_in: d.expire_at ? epochSeconds(d.expire_at) : null,
    }));
  });

  router.delete('/auth/access_token/:id', own, async (ctx) => {
    const id = ctx.params.id as string;
    await tokens.remove(ctx.state.user as User, id);
    ctx.body = { _id: id, result: 'deleted' };
  });

  return router;
}
