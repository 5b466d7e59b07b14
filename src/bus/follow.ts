// Follows one reply from a cursor: subscribe first, then replay the log, then go live, delivering every
// chunk with seq > cursor exactly once and in order, until reply_end (or until stopped). It never skips:
// a chunk the log cannot give (it lost its head, e.g. a Redis without persistence restarted) ends the
// follow as 'gap' once the publisher had time to write the log again, and nothing arriving for `idleMs`
// ends it as 'stalled'; the caller tells its client either way.
import type { Redis } from '../infra/redis';
import type { MessageChunk } from '../shared/chat';
import type { RedisHub } from './hub';
import type { BusKeys } from './keys';
import { readReplyLog } from './publisher';

export interface FollowOptions {
  afterSeq: number;
  onChunk: (chunk: MessageChunk) => void | Promise<void>;
  signal?: AbortSignal;
  /** Give up when no chunk arrives for this long (default: wait as long as it takes). */
  idleMs?: number;
}

/** How a follow ended: reply_end delivered, stopped by the caller, nothing for `idleMs`, or a chunk the log lost. */
export type FollowEnd = 'ended' | 'stopped' | 'stalled' | 'gap';

/** A publisher rewrites a lost log at its next chunk: look again a few times before calling it a gap. */
const GAP_RETRIES = 5;
const GAP_RETRY_MS = 200;

export function followReply(redis: Redis, hub: RedisHub, keys: BusKeys, replyId: string, opts: FollowOptions): Promise<FollowEnd> {
  return new Promise((resolve, reject) => {
    let cursor = opts.afterSeq;
    let live = false;
    let done = false;
    let unsubscribe: (() => Promise<void>) | undefined;
    const queue: MessageChunk[] = [];
    let chain: Promise<void> = Promise.resolve();
    let idle: NodeJS.Timeout | undefined;

    const finish = (how: FollowEnd, err?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      opts.signal?.removeEventListener('abort', onAbort);
      void unsubscribe?.();
      if (err) reject(err);
      else resolve(how);
    };
    const onAbort = () => finish('stopped');
    const stillWaiting = () => {
      if (!opts.idleMs) return;
      clearTimeout(idle);
      idle = setTimeout(() => finish('stalled'), opts.idleMs);
    };

    /** The log's chunks after the cursor, as long as they follow on from it (retried while they do not). */
    const readOn = async (): Promise<MessageChunk[] | null> => {
      for (let attempt = 0; ; attempt++) {
        const chunks = await readReplyLog(redis, keys, replyId, cursor);
        if (chunks.length === 0 || chunks[0]!.seq === cursor + 1) return chunks;
        if (attempt >= GAP_RETRIES || done) return null;
        await new Promise((r) => setTimeout(r, GAP_RETRY_MS));
      }
    };

    const deliver = async (chunk: MessageChunk) => {
      if (done || chunk.seq <= cursor) return;
      if (chunk.seq > cursor + 1) {
        // A gap (a dropped pub/sub message): the log has everything, or the follow ends as 'gap'.
        const missed = await readOn();
        if (missed === null) return finish('gap');
        for (const m of missed) {
          if (m.seq >= chunk.seq || done) break;
          await deliverOne(m);
        }
      }
      if (chunk.seq === cursor + 1) await deliverOne(chunk);
    };
    const deliverOne = async (chunk: MessageChunk) => {
      cursor = chunk.seq;
      stillWaiting();
      await opts.onChunk(chunk);
      if (chunk.chunk_type === 'reply_end') finish('ended');
    };
    const drain = () => {
      while (queue.length > 0) {
        const c = queue.shift() as MessageChunk;
        chain = chain.then(() => deliver(c)).catch((err) => finish('stopped', err));
      }
    };

    if (opts.signal?.aborted) return finish('stopped');
    opts.signal?.addEventListener('abort', onAbort);
    stillWaiting();

    hub
      .listen(keys.replyChannel(replyId), (message) => {
        queue.push(JSON.parse(message) as MessageChunk);
        if (live) drain();
      })
      .then(async (unsub) => {
        unsubscribe = unsub;
        if (done) return void unsub();
        const logged = await readOn();
        if (logged === null) return finish('gap');
        queue.unshift(...logged);
        // Log entries first (ascending), then whatever arrived live meanwhile; deliver() drops repeats.
        queue.sort((a, b) => a.seq - b.seq);
        live = true;
        drain();
      })
      .catch((err) => finish('stopped', err));
  });
}
