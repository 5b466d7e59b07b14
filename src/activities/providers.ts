// Model providers as the worker reads them: every model step needs its provider (URL, key, per-model
// settings), so they are cached by the version the API bumps on every change (infra/versioned-cache).
import type { BusKeys } from '../bus/keys';
import type { Redis } from '../infra/redis';
import { bumpVersion, VersionedCache } from '../infra/versioned-cache';
import type { Models } from '../models';

export interface StoredProvider {
  _id: string;
  enabled?: boolean;
  base_url?: string;
  api_key?: string;
  models?: Array<{ name: string; settings?: Record<string, unknown> }>;
}

export type ProviderCache = VersionedCache<StoredProvider>;

export function providerCache(models: Models, redis: Redis, keys: BusKeys): ProviderCache {
  return new VersionedCache(redis, keys.providerVersion, async (id) => (await models.ModelProvider.findById(id).lean()) as StoredProvider | null);
}

/** API side: a provider changed (or went); workers read it again at their next step. */
export async function touchProvider(redis: Redis, keys: BusKeys, providerId: string): Promise<void> {
  if (providerId) await bumpVersion(redis, keys.providerVersion(providerId));
}
