// Stored objects read on the way to every first token (model providers in workers, assistants in the API)
// are cached with a version kept in Redis, which the API bumps on every change: a change is seen at the
// next read, by every process. The age limit covers changes made around the API (directly in the database)
// and a Redis that lost its keys.
import type { Redis } from './redis';

export interface VersionedCacheOptions {
  /** Re-read an entry this old even if its version did not move. */
  maxAgeMs?: number;
  /** Entries kept; the least recently used go first. */
  maxEntries?: number;
}

export class VersionedCache<T> {
  private readonly cached = new Map<string, { version: string; at: number; value: T }>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly redis: Redis,
    private readonly versionKey: (id: string) => string,
    private readonly read: (id: string) => Promise<T | null>,
    { maxAgeMs = 30_000, maxEntries = 10_000 }: VersionedCacheOptions = {},
  ) {
    this.maxAgeMs = maxAgeMs;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.cached.size;
  }

  /**
   * The object as stored now (null when there is none; absence is not cached). `knownVersion`: a version
   * the caller already read (another process checked the object at it); a fresh entry at that version is
   * used without asking Redis again.
   */
  async get(id: string, knownVersion?: string): Promise<T | null> {
    return (await this.getVersioned(id, knownVersion)).value;
  }

  /** Like get, with the version the object was read at (to hand to another process's get). */
  async getVersioned(id: string, knownVersion?: string): Promise<{ value: T | null; version: string }> {
    const hit = this.cached.get(id);
    const fresh = hit !== undefined && Date.now() - hit.at < this.maxAgeMs;
    const version = fresh && knownVersion !== undefined && hit.version === knownVersion ? knownVersion : ((await this.redis.get(this.versionKey(id))) ?? NO_VERSION);
    this.cached.delete(id); // re-inserted below: Map order is the recency order
    if (hit && fresh && hit.version === version) {
      this.cached.set(id, hit);
      return { value: hit.value, version };
    }
    const value = await this.read(id);
    if (value) {
      this.cached.set(id, { version, at: Date.now(), value });
      if (this.cached.size > this.maxEntries) this.cached.delete(this.cached.keys().next().value as string);
    }
    return { value, version };
  }
}

/** The version of an object whose key Redis does not hold (never changed, or Redis lost it). */
const NO_VERSION = 'none';

/** The API's side: the object changed (or went); caches read it again. */
export async function bumpVersion(redis: Redis, key: string): Promise<void> {
  await redis.incr(key);
}
