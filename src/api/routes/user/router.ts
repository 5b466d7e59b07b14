// Users, admin only: POST /user/, GET|POST /user/_search, GET|PUT|DELETE /user/:id. No read shows a
// password hash (the store's view); PUT without a password keeps it.
import Router from '@koa/router';
import type { Users } from '../../../domain/accounts/users';
import { UserCreate, UserUpdate } from '../../../domain/accounts/schema';
import type { AppContextExt, AppState } from '../../context';
import { resourceRoutes } from '../resource';

export function userRouter(users: Users) {
  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/user' }), users.store, UserCreate, {
    read: 'user:manage',
    write: 'user:manage',
    notFound: 'found',
    updateSchema: UserUpdate,
  });
}
