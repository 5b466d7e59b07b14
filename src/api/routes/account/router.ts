// The signed-in user's account, as Coco has it: password login (a 24-hour JWT), profile, logout, password.
import Router from '@koa/router';
import type { Accounts } from '../../../domain/accounts/accounts';
import { BadCredentials, LoginBlocked } from '../../../domain/accounts/accounts';
import { Login, PasswordChange } from '../../../domain/accounts/schema';
import { userView } from '../../../domain/accounts/users';
import { NotFound } from '../../../domain/errors';
import type { User } from '../../../domain/users';
import type { AppContext, AppContextExt, AppState } from '../../context';
import { HttpError, TooManyRequestsError } from '../../errors';
import { can, LOGIN_COOKIE } from '../../middleware/access';
import { CODEC_PATH } from '../../middleware/cors';
import { validate } from '../../middleware/validate';

const userOf = (ctx: AppContext) => ctx.state.user as User;

export function accountRouter(accounts: Accounts) {
  const router = new Router<AppState, AppContextExt>({ prefix: '/account' });

  router.post('/login', can('public'), validate(Login), async (ctx) => {
    const { username, password } = ctx.state.input as Login;
    try {
      const { token, expireAt, user } = await accounts.login(username, password, ctx.ip);
      // Also as a cookie for the Temporal UI's codec requests (the only path that reads it).
      ctx.cookies.set(LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: CODEC_PATH, expires: expireAt, secure: ctx.secure, overwrite: true });
      ctx.body = { access_token: token, expire_in: Math.floor(expireAt.getTime() / 1000), id: user._id, username: user.username, status: 'ok' };
    } catch (err) {
      if (err instanceof BadCredentials) throw new HttpError(401, err.message);
      if (err instanceof LoginBlocked) throw new TooManyRequestsError(err.message, err.retryAfterSec);
      throw err;
    }
  });

  router.get('/profile', can('signed-in'), async (ctx) => {
    const user = userOf(ctx);
    const stored = await accounts.profile(user);
    if (!stored) throw new NotFound('user', user.id);
    const { id, username, name, email, created } = userView(stored);
    // The roles this credential carries (a scoped token may carry fewer than the user has).
    ctx.body = { id, username, name, email, roles: user.roles, created, status: 'ok' };
  });

  router.post('/logout', can('signed-in'), async (ctx) => {
    await accounts.logout(userOf(ctx));
    ctx.cookies.set(LOGIN_COOKIE, null, { path: CODEC_PATH, overwrite: true });
    ctx.body = { status: 'ok' };
  });

  router.put('/password', can('account'), validate(PasswordChange), async (ctx) => {
    const { old_password, new_password } = ctx.state.input as PasswordChange;
    await accounts.changePassword(userOf(ctx), old_password, new_password);
    ctx.body = { status: 'ok' };
  });

  return router;
}
