// Stored objects read on the way to every first token (model providers in workers, assistants in the API)
// are cached with a version kept in Redis, which the API bumps on every change: a change is seen at the
// next read, by every process. The age limit covers changes made around the API (directly in the database)
// and a Redis that lost its keys.
import type { Redis } from './redis';

const MAX_AGE_MS = 30_000;

export class VersionedCache<T> {
  private readonly cached = new Map<string, { version: string; at: number; value: T }>();

  constructor(
    private readonly redis: Redis,
    private readonly versionKey: (id: string) => string,
    private readonly read: (id: string) => Promise<T | null>,
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {}

  /** The object as stored now (null when there is none; absence is not cached). */
  async get(id: string): Promise<T | null> {
    const version = (await this.redis.get(this.versionKey(id))) ?? 'none';
    const hit = this.cached.get(id);
    if (hit && hit.version === version && Date.now() - hit.at < this.maxAgeMs) return hit.value;
    const value = await this.read(id);
    if (value) this.cached.set(id, { version, at: Date.now(), value });
    else this.cached.delete(id);
    return value;
  }
}

/** The API's side: the object changed (or went); caches read it again. */
export async function bumpVersion(redis: Redis, key: string): Promise<void> {
  await redis.incr(key);
}
