// Follows one reply from a cursor: subscribe first, then replay the log, then go live, delivering
// every chunk with seq > cursor exactly once and in order, until reply_end (or until stopped).
import type { Redis } from '../infra/redis';
import type { MessageChunk } from '../shared/chat';
import type { RedisHub } from './hub';
import type { BusKeys } from './keys';
import { readReplyLog } from './publisher';

export interface FollowOptions {
  afterSeq: number;
  onChunk: (chunk: MessageChunk) => void | Promise<void>;
  signal?: AbortSignal;
}

export function followReply(redis: Redis, hub: RedisHub, keys: BusKeys, replyId: string, opts: FollowOptions): Promise<'ended' | 'stopped'> {
  return new Promise((resolve, reject) => {
    let cursor = opts.afterSeq;
    let live = false;
    let done = false;
    let unsubscribe: (() => Promise<void>) | undefined;
    const queue: MessageChunk[] = [];
    let chain: Promise<void> = Promise.resolve();

    const finish = (how: 'ended' | 'stopped', err?: unknown) => {
      if (done) return;
      done = true;
      opts.signal?.removeEventListener('abort', onAbort);
      void unsubscribe?.();
      if (err) reject(err);
      else resolve(how);
    };
    const onAbort = () => finish('stopped');

    const deliver = async (chunk: MessageChunk) => {
      if (done || chunk.seq <= cursor) return;
      if (chunk.seq > cursor + 1) {
        // A gap (a dropped pub/sub message): the log has everything.
        for (const missed of await readReplyLog(redis, keys, replyId, cursor)) {
          if (missed.seq >= chunk.seq || done) break;
          await deliverOne(missed);
        }
      }
      if (chunk.seq === cursor + 1) await deliverOne(chunk);
    };
    const deliverOne = async (chunk: MessageChunk) => {
      cursor = chunk.seq;
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

    hub
      .listen(keys.replyChannel(replyId), (message) => {
        queue.push(JSON.parse(message) as MessageChunk);
        if (live) drain();
      })
      .then(async (unsub) => {
        unsubscribe = unsub;
        if (done) return void unsub();
        for (const c of await readReplyLog(redis, keys, replyId, cursor)) queue.unshift(c);
        // Log entries first (ascending), then whatever arrived live meanwhile; deliver() drops repeats.
        queue.sort((a, b) => a.seq - b.seq);
        live = true;
        drain();
      })
      .catch((err) => finish('stopped', err));
  });
}
