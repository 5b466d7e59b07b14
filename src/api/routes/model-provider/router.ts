import Router from '@koa/router';
import type { Models } from '../../../models';
import { ForbiddenError } from '../../errors';
import type { AppContextExt, AppState } from '../../context';
import { Resource } from '../resource';
import { presentProvider, presentProviderHit, providerToStored, PROVIDER_SEARCH_FIELDS } from './presenter';
import { ModelProviderInput } from './schema';

/** `touch` tells the workers a provider changed (they cache providers). */
export function modelProviderRouter(models: Models, touch: (providerId: string) => Promise<void>) {
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
    async afterChange(before, after) {
      await touch(before?._id ?? String((after as { _id?: string } | undefined)?._id ?? ''));
    },
  });
  return providers.routes(new Router<AppState, AppContextExt>({ prefix: '/model_provider' }), ModelProviderInput);
}
