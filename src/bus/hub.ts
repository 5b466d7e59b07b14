// One Redis subscriber connection per process, fanned out in memory to every local listener
// (WebSocket connections, NDJSON responses, cancel watchers).
import type { Redis } from '../infra/redis';

type Listener = (message: string) => void;

export class RedisHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly pending = new Map<string, Promise<void>>();

  private constructor(private readonly sub: Redis) {}

  static async open(redis: Redis): Promise<RedisHub> {
    const sub = redis.duplicate();
    sub.on('error', () => undefined); // reconnects on its own; errors surface through the main client
    await sub.connect();
    return new RedisHub(sub);
  }

  /** Listens on a channel; resolves once the subscription is active. Returns the unsubscribe function. */
  async listen(channel: string, fn: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      const p = this.sub.subscribe(channel, (message) => {
        for (const l of this.listeners.get(channel) ?? []) l(message);
      });
      this.pending.set(channel, p);
    }
    set.add(fn);
    await this.pending.get(channel);
    return async () => {
      const s = this.listeners.get(channel);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) {
        this.listeners.delete(channel);
        this.pending.delete(channel);
        await this.sub.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.sub.isOpen) await this.sub.quit().catch(() => undefined);
  }
}
