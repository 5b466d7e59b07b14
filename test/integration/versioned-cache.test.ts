// VersionedCache against the real Redis: a hit costs no read; a bumped version, old age or eviction
// make the next get read again; absence is never cached.
import { randomBytes } from 'node:crypto';
import { connectRedis, Redis } from '../../src/infra/redis';
import { bumpVersion, VersionedCache } from '../../src/infra/versioned-cache';
import { requireTestStack } from '../helpers/stack';

let redis: Redis;
const prefix = `test:vcache:${randomBytes(3).toString('hex')}:`;
const key = (id: string) => `${prefix}${id}`;

beforeAll(async () => {
  requireTestStack();
  redis = await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', () => undefined);
});
afterAll(() => redis.quit());

/** A store whose reads are counted. */
function store() {
  const data = new Map<string, string>();
  const reads: string[] = [];
  const read = async (id: string) => {
    reads.push(id);
    return data.get(id) ?? null;
  };
  return { data, reads, read };
}

it('serves a hit without reading, and reads again once the version moved', async () => {
  const s = store();
  s.data.set('a', 'v1');
  const cache = new VersionedCache(redis, key, s.read);
  expect(await cache.get('a')).toBe('v1');
  expect(await cache.get('a')).toBe('v1');
  expect(s.reads).toEqual(['a']);
  s.data.set('a', 'v2');
  await bumpVersion(redis, key('a'));
  expect(await cache.get('a')).toBe('v2');
  expect(s.reads).toEqual(['a', 'a']);
});

it('does not cache absence, re-reads entries past their age, and evicts the least recently used', async () => {
  const s = store();
  const cache = new VersionedCache(redis, key, s.read, { maxAgeMs: 50, maxEntries: 2 });
  expect(await cache.get('x')).toBeNull();
  s.data.set('x', 'now there');
  expect(await cache.get('x')).toBe('now there');

  await new Promise((r) => setTimeout(r, 80));
  s.reads.length = 0;
  await cache.get('x');
  expect(s.reads).toEqual(['x']); // too old

  // Eviction, on a cache whose entries do not age meanwhile (a loaded machine takes more than 50 ms here).
  const lru = new VersionedCache(redis, key, s.read, { maxAgeMs: 60_000, maxEntries: 2 });
  await lru.get('x');
  s.data.set('y', 'y').set('z', 'z');
  await lru.get('y');
  await lru.get('x'); // x is now the most recent, y the least
  await lru.get('z'); // a third entry: y goes
  expect(lru.size).toBe(2);
  s.reads.length = 0;
  await lru.get('x');
  await lru.get('y');
  expect(s.reads).toEqual(['y']);
});

it('trusts a version the caller already read: a fresh entry at it is served without asking Redis', async () => {
  const s = store();
  s.data.set('k', 'v1');
  const api = new VersionedCache(redis, key, s.read);
  const worker = new VersionedCache(redis, key, s.read);
  await bumpVersion(redis, key('k'));
  const checked = await api.getVersioned('k');
  expect(checked).toEqual({ value: 'v1', version: await redis.get(key('k')) });
  expect(await worker.get('k', checked.version)).toBe('v1'); // first time: not cached, read
  s.reads.length = 0;

  // The version moves on in Redis, but the caller checked the object at the old one: that copy is used
  // (asking Redis would have seen the new version and read again).
  s.data.set('k', 'v2');
  await bumpVersion(redis, key('k'));
  expect(await worker.get('k', checked.version)).toBe('v1');
  expect(s.reads).toEqual([]);

  // A caller that checked the newer version gets the newer object.
  const newer = await api.getVersioned('k');
  expect(newer.value).toBe('v2');
  expect(await worker.get('k', newer.version)).toBe('v2');
  expect(s.reads).toEqual(['k', 'k']);
});
