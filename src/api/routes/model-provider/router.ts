import Router from '@koa/router';
import type { Providers } from '../../../domain/providers/providers';
import { ModelProviderInput } from '../../../domain/providers/schema';
import type { AppContextExt, AppState } from '../../context';
import { resourceRoutes } from '../resource';

export function modelProviderRouter(providers: Providers) {
  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/model_provider' }), providers.store, ModelProviderInput, {
    read: 'provider:read',
    write: 'provider:write',
    notFound: 'found',
    // Not even the masked key: only admins need to know one is set.
    scope: () => ({ view: ({ api_key: _key, ...rest }) => rest as typeof rest & { _id: string; created: Date; updated: Date } }),
  });
}
