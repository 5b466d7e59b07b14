// One Redis subscriber connection per process, fanned out in memory to every local listener
// (WebSocket connections, NDJSON responses, cancel watchers).
import type { Redis } from '../infra/redis';

type Listener = (message: string) => void;

export class RedisHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The one Redis-level listener per channel; unsubscribing names it, so no newer one is dropped. */
  private readonly dispatchers = new Map<string, Listener>();
  /** SUBSCRIBE/UNSUBSCRIBE of a channel run in order: a listener that comes while the last one leaves
   *  must not see its subscription undone by that UNSUBSCRIBE. */
  private readonly ops = new Map<string, Promise<unknown>>();

  private constructor(private readonly sub: Redis) {}

  static async open(redis: Redis): Promise<RedisHub> {
    const sub = redis.duplicate();
    sub.on('error', () => undefined); // reconnects on its own; errors surface through the main client
    await sub.connect();
    return new RedisHub(sub);
  }

  private inOrder(channel: string, op: () => Promise<unknown>): Promise<unknown> {
    const next = (this.ops.get(channel) ?? Promise.resolve()).catch(() => undefined).then(op);
    this.ops.set(channel, next);
    return next;
  }

  /** Listens on a channel; resolves once the subscription is active. Returns the unsubscribe function. */
  async listen(channel: string, fn: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      const dispatcher: Listener = (message) => {
        for (const l of this.listeners.get(channel) ?? []) l(message);
      };
      this.dispatchers.set(channel, dispatcher);
      void this.inOrder(channel, () => this.sub.subscribe(channel, dispatcher)).catch(() => undefined);
    }
    set.add(fn);
    await this.ops.get(channel);
    return async () => {
      const s = this.listeners.get(channel);
      if (!s || !s.delete(fn) || s.size > 0) return;
      this.listeners.delete(channel);
      const dispatcher = this.dispatchers.get(channel);
      this.dispatchers.delete(channel);
      const done = this.inOrder(channel, () => this.sub.unsubscribe(channel, dispatcher));
      await done.catch(() => undefined);
      // Forget the channel once nothing newer is queued for it (reply channels are many and short-lived).
      if (this.ops.get(channel) === done && !this.listeners.has(channel)) this.ops.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.dispatchers.clear();
    if (this.sub.isOpen) await this.sub.quit().catch(() => undefined);
  }
}
