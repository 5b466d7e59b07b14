// A short mutual exclusion across processes, for read-modify-write the store cannot do atomically (FerretDB
// 1.x applies `$inc` by reading and writing the document back: two at once lose one). SET NX with an
// expiry; released only by its holder (compare-and-delete), and given up after `waitMs`: then the work
// runs anyway, as it would without the lock.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from './redis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export async function withRedisLock<T>(redis: Redis, key: string, work: () => Promise<T>, { ttlMs = 5000, waitMs = 3000 } = {}): Promise<T> {
  const token = randomBytes(8).toString('hex');
  const deadline = Date.now() + waitMs;
  let held = false;
  for (let pause = 2; !held && Date.now() < deadline; pause = Math.min(pause * 2, 50)) {
    held = (await redis.set(key, token, { NX: true, PX: ttlMs })) === 'OK';
    if (!held) await sleep(pause);
  }
  try {
    return await work();
  } finally {
    if (held) await redis.eval(RELEASE, { keys: [key], arguments: [token] }).catch(() => undefined);
  }
}
