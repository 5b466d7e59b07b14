// Cancel notices: a key (so a reply step that starts later still sees it) plus a pub/sub message (so a
// running step hears it at once, without waiting for a Temporal heartbeat round trip).
import { noteCancelHeard } from '../infra/metrics';
import type { Redis } from '../infra/redis';
import type { RedisHub } from './hub';
import type { BusKeys } from './keys';

const CANCEL_TTL_SEC = 3600;

export async function requestCancel(redis: Redis, keys: BusKeys, replyId: string): Promise<void> {
  await redis.multi().set(keys.cancelKey(replyId), '1', { EX: CANCEL_TTL_SEC }).publish(keys.cancelChannel, replyId).exec();
}

export async function isCancelled(redis: Redis, keys: BusKeys, replyId: string): Promise<boolean> {
  return (await redis.exists(keys.cancelKey(replyId))) === 1;
}

/** A watch started ahead of its user (see CancelWatcher.early). */
export interface EarlyWatch {
  watch(onCancel: () => void): Promise<() => void>;
  drop(): void;
}

/** Worker side: one channel for all cancel notices, dispatched to the steps running here. */
export class CancelWatcher {
  private readonly watchers = new Map<string, Set<() => void>>();
  private ready: Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: BusKeys,
    hub: RedisHub,
  ) {
    this.ready = hub.listen(keys.cancelChannel, (replyId) => {
      for (const fn of this.watchers.get(replyId) ?? []) fn();
    });
  }

  /**
   * Starts watching before it is known whether (and by whom) the notice will be needed: a cancel that
   * arrives meanwhile is kept for the watcher attached later. `drop` ends it if nobody attached.
   */
  early(replyId: string): EarlyWatch {
    let heard = false;
    let handler: (() => void) | undefined;
    const stopping = this.watch(replyId, () => {
      heard = true;
      handler?.();
    });
    stopping.catch(() => undefined);
    return {
      watch: async (onCancel) => {
        const stop = await stopping;
        handler = onCancel;
        if (heard) onCancel();
        return stop;
      },
      drop: () => void stopping.then((stop) => stop(), () => undefined),
    };
  }

  /** Calls onCancel once if the reply is or becomes cancelled. Returns the function that stops watching. */
  async watch(replyId: string, onCancel: () => void): Promise<() => void> {
    let fired = false;
    const fire = () => {
      if (!fired) {
        fired = true;
        noteCancelHeard(replyId); // when this worker heard it: coco_cancel_to_end_seconds runs to reply_end
        onCancel();
      }
    };
    let set = this.watchers.get(replyId);
    if (!set) this.watchers.set(replyId, (set = new Set()));
    set.add(fire);
    await this.ready;
    if (await isCancelled(this.redis, this.keys, replyId)) fire();
    return () => {
      set!.delete(fire);
      if (set!.size === 0) this.watchers.delete(replyId);
    };
  }
}
