// Model providers: their records (built-ins protected), and the cached copies workers read at every model
// step (URL, key, per-model settings), re-read when the version bumped on every change moves.
import type { Redis } from '../../infra/redis';
import { bumpVersion, VersionedCache } from '../../infra/versioned-cache';
import type { VersionKeys } from '../../infra/versions';
import type { Models } from '../../models';
import { builtinRules, changedId, RecordStore } from '../record';
import { PROVIDER_SEARCH_FIELDS, providerHitView, providerToStored, providerView, StoredProvider } from './records';
import type { ModelProviderInput } from './schema';

export class Providers {
  readonly store: RecordStore<ModelProviderInput>;
  private readonly cache: VersionedCache<StoredProvider>;

  constructor(
    models: Models,
    private readonly redis: Redis,
    private readonly versions: VersionKeys,
  ) {
    this.cache = new VersionedCache(redis, versions.provider, async (id) => (await models.ModelProvider.findById(id).lean()) as StoredProvider | null);
    const { builtinOf, ...protections } = builtinRules<ModelProviderInput>({ rename: 'Built-in model provider cannot be renamed', remove: 'Built-in model providers cannot be deleted' });
    this.store = new RecordStore<ModelProviderInput>({
      what: 'model provider',
      model: models.ModelProvider,
      search: PROVIDER_SEARCH_FIELDS,
      toStored: (input, existing) => ({ ...providerToStored(input, existing), builtin: builtinOf(existing) }),
      view: providerView,
      hitView: providerHitView,
      ...protections,
      afterChange: async (before, after) => this.touch(changedId(before, after)),
    });
  }

  /** A provider changed (or went); workers read it again at their next step. */
  async touch(providerId: string): Promise<void> {
    if (providerId) await bumpVersion(this.redis, this.versions.provider(providerId));
  }

  /** The provider as stored now, from the cache when its version has not moved. */
  get(id: string): Promise<StoredProvider | null> {
    return this.cache.get(id);
  }
}
