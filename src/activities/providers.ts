// Model providers as the worker reads them: every model step needs its provider (URL, key, per-model
// settings), and reading it from the database is on the way to each first token. A provider is cached
// with the version the API bumps in Redis on every change, so a change is seen at the next step; the age
// limit covers changes made around the API (directly in the database).
import type { BusKeys } from '../bus/keys';
import type { Redis } from '../infra/redis';
import type { Models } from '../models';

export interface StoredProvider {
  _id: string;
  enabled?: boolean;
  base_url?: string;
  api_key?: string;
  models?: Array<{ name: string; settings?: Record<string, unknown> }>;
}

const MAX_AGE_MS = 30_000;

export class ProviderCache {
  private readonly cached = new Map<string, { version: string; at: number; provider: StoredProvider }>();

  constructor(
    private readonly models: Models,
    private readonly redis: Redis,
    private readonly keys: BusKeys,
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {}

  /** The provider as stored now (null when there is none; absence is not cached). */
  async get(id: string): Promise<StoredProvider | null> {
    const version = (await this.redis.get(this.keys.providerVersion(id))) ?? 'none';
    const hit = this.cached.get(id);
    if (hit && hit.version === version && Date.now() - hit.at < this.maxAgeMs) return hit.provider;
    const provider = (await this.models.ModelProvider.findById(id).lean()) as StoredProvider | null;
    if (provider) this.cached.set(id, { version, at: Date.now(), provider });
    else this.cached.delete(id);
    return provider;
  }
}

/** API side: a provider changed (or went); workers read it again at their next step. */
export async function touchProvider(redis: Redis, keys: BusKeys, providerId: string): Promise<void> {
  if (providerId) await redis.incr(keys.providerVersion(providerId));
}
