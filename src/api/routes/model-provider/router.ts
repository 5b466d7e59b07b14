import Router from '@koa/router';
import type { Models } from '../../../models';
import { ForbiddenError } from '../../errors';
import type { AppContextExt, AppMiddleware, AppState } from '../../context';
import { validate } from '../../middleware/validate';
import { Resource } from '../resource';
import { presentProvider, presentProviderHit, providerToStored, PROVIDER_SEARCH_FIELDS } from './presenter';
import { ModelProviderInput } from './schema';

export function modelProviderRouter(models: Models, auth: AppMiddleware) {
  const providers = new Resource<ModelProviderInput>({
    what: 'model provider',
    model: models.ModelProvider,
    search: PROVIDER_SEARCH_FIELDS,
    notFoundShape: 'found',
    toStored: (input, existing) => ({ ...providerToStored(input, existing), builtin: existing?.builtin ?? false }),
    present: presentProvider,
    presentHit: presentProviderHit,
    beforeReplace(existing, next) {
      if (existing.builtin && next.name !== existing.name) throw new ForbiddenError('Built-in model provider cannot be renamed');
    },
    beforeDelete(existing) {
      if (existing.builtin) throw new ForbiddenError('Built-in model providers cannot be deleted');
    },
  });
  const router = new Router<AppState, AppContextExt>({ prefix: '/model_provider' });
  router
    .post('/', auth, validate(ModelProviderInput), providers.create)
    .get('/_search', auth, providers.search)
    .post('/_search', auth, providers.search)
    .get('/:id', auth, providers.get)
    .put('/:id', auth, validate(ModelProviderInput), providers.update)
    .delete('/:id', auth, providers.remove);
  return router;
}
