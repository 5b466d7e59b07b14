// Slows down password guessing: failed logins are counted per username and per client address in Redis
// (shared by every instance). From the 5th failure of a name (20th of an address) on, each failure blocks
// that name or address for twice as long as the last (1 s, 2 s, 4 s … up to 15 min): the attempt after it
// is a 429 even with the right password. A success clears the name's count. Counting is
// by the name given, so unknown names are slowed down exactly like real ones.
import type { Redis } from '../../infra/redis';

const WINDOW_SEC = 3600;
const MAX_BLOCK_SEC = 900;
/** The failure from which on each one blocks: a person mistyping is not slowed; a script is. */
const BLOCK_FROM = { user: 5, addr: 20 } as const;

export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private keys(username: string, addr: string) {
    const name = username.toLowerCase().slice(0, 64);
    return {
      user: { count: `${this.prefix}login:fail:user:${name}`, block: `${this.prefix}login:block:user:${name}` },
      addr: { count: `${this.prefix}login:fail:addr:${addr}`, block: `${this.prefix}login:block:addr:${addr}` },
    };
  }

  /** Seconds until this name and address may try again; 0 when they may now. */
  async waitSeconds(username: string, addr: string): Promise<number> {
    const k = this.keys(username, addr);
    const [user, address] = await Promise.all([this.redis.pTTL(k.user.block), this.redis.pTTL(k.addr.block)]);
    return Math.ceil(Math.max(user, address, 0) / 1000);
  }

  async failed(username: string, addr: string): Promise<void> {
    const k = this.keys(username, addr);
    for (const scope of ['user', 'addr'] as const) {
      const [count] = (await this.redis.multi().incr(k[scope].count).expire(k[scope].count, WINDOW_SEC).exec()) as unknown as [number];
      const over = Number(count) - BLOCK_FROM[scope];
      if (over >= 0) await this.redis.set(k[scope].block, '1', { EX: Math.min(2 ** over, MAX_BLOCK_SEC) });
    }
  }

  async succeeded(username: string, addr: string): Promise<void> {
    const k = this.keys(username, addr);
    await this.redis.del([k.user.count, k.user.block]);
  }
}
