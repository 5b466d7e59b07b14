// Newline-delimited JSON replies (coco-api.md §3.3): an optional first line, then the reply's chunks
// until reply_end. A client that goes away stops the relay, never the reply.
import { PassThrough } from 'node:stream';
import { followReply } from '../../bus/follow';
import type { RedisHub } from '../../bus/hub';
import type { BusKeys } from '../../bus/keys';
import type { Redis } from '../../infra/redis';
import type { AppContext } from '../context';

export interface StreamDeps {
  redis: Redis;
  hub: RedisHub;
  keys: BusKeys;
}

export function streamReplyAsNdjson(ctx: AppContext, deps: StreamDeps, replyId: string, opts: { first?: unknown; afterSeq?: number }) {
  const out = new PassThrough();
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = out;
  if (opts.first !== undefined) out.write(`${JSON.stringify(opts.first)}\n`);

  const abort = new AbortController();
  ctx.req.on('close', () => abort.abort());
  followReply(deps.redis, deps.hub, deps.keys, replyId, {
    afterSeq: opts.afterSeq ?? 0,
    signal: abort.signal,
    onChunk: (chunk) => {
      out.write(`${JSON.stringify(chunk)}\n`);
    },
  }).then(
    () => out.end(),
    (err) => {
      // After line 1 the status is already 200: errors travel as a line, as Coco does.
      ctx.state.log.error({ err }, 'reply stream failed');
      out.end(`${JSON.stringify({ status: 500, error: { reason: 'the reply stream failed' } })}\n`);
    },
  );
}
