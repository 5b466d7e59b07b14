import Router from '@koa/router';
import type { Providers } from '../../../domain/providers/providers';
import { ModelProviderInput } from '../../../domain/providers/schema';
import type { AppContextExt, AppState } from '../../context';
import { resourceRoutes } from '../resource';

export function modelProviderRouter(providers: Providers) {
  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/model_provider' }), providers.store, ModelProviderInput, 'found');
}
