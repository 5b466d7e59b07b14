// Newline-delimited JSON replies (coco-api.md §3.3): an optional first line, then the reply's chunks
// until reply_end. A client that goes away stops the relay, never the reply. A relay that cannot go on
// (nothing arrived for the idle bound, or the reply's log lost chunks that the saved reply cannot give
// either) ends with an error line that says where to resume: never silently.
import { PassThrough } from 'node:stream';
import { followReply } from '../../bus/follow';
import type { RedisHub } from '../../bus/hub';
import type { BusKeys } from '../../bus/keys';
import type { Redis } from '../../infra/redis';
import type { MessageChunk } from '../../shared/chat';
import type { AppContext } from '../context';

export interface StreamDeps {
  redis: Redis;
  hub: RedisHub;
  keys: BusKeys;
  /** A follow gives up when nothing arrives for this long. */
  idleMs: number;
  /** The rest of a finished reply after a seq, from its saved message (null while it has not finished). */
  savedAfter(replyId: string, afterSeq: number): Promise<MessageChunk[] | null>;
}

/** What a client is told when its stream of a reply cannot go on, and how to pick it up again. */
export function relayEnded(how: 'stalled' | 'gap', sessionId: string, replyId: string, lastSeq: number, idleMs: number) {
  const resume = `GET /chat/${sessionId}/_stream?message_id=${replyId}&after_seq=${lastSeq}`;
  return how === 'stalled'
    ? { status: 504, error: { reason: `no part of the reply arrived for ${Math.round(idleMs / 1000)}s; it may still come: resume with ${resume}` } }
    : { status: 503, error: { reason: `parts of the reply after seq ${lastSeq} were lost in transit (Redis restarted?); resume with ${resume} once it has ended` } };
}

/**
 * Follows the reply and hands each chunk to `send`; when the follow cannot go on, a gap is filled from the
 * saved reply when it has ended, else `fail` is told how it ended and the last seq sent.
 */
export async function relayReply(deps: StreamDeps, replyId: string, afterSeq: number, signal: AbortSignal, send: (chunk: MessageChunk) => void, fail: (how: 'stalled' | 'gap', lastSeq: number) => void): Promise<void> {
  let lastSeq = afterSeq;
  const how = await followReply(deps.redis, deps.hub, deps.keys, replyId, {
    afterSeq,
    signal,
    idleMs: deps.idleMs,
    onChunk: (chunk) => {
      lastSeq = chunk.seq;
      send(chunk);
    },
  });
  if (how === 'ended' || how === 'stopped') return;
  const rest = how === 'gap' ? await deps.savedAfter(replyId, lastSeq) : null;
  if (rest) rest.forEach(send);
  else fail(how, lastSeq);
}

/** Answers 200 with a stream the caller writes as chunks arrive (never cached, never buffered by a proxy). */
export function openStream(ctx: AppContext, type: string): PassThrough {
  const out = new PassThrough();
  ctx.status = 200;
  ctx.type = type;
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('X-Accel-Buffering', 'no');
  ctx.body = out;
  return out;
}

export function streamReplyAsNdjson(ctx: AppContext, deps: StreamDeps, replyId: string, opts: { sessionId: string; first?: unknown; afterSeq?: number }) {
  const out = openStream(ctx, 'application/json');
  if (opts.first !== undefined) out.write(`${JSON.stringify(opts.first)}\n`);

  const abort = new AbortController();
  ctx.req.on('close', () => abort.abort());
  const line = (value: unknown) => out.write(`${JSON.stringify(value)}\n`);
  relayReply(deps, replyId, opts.afterSeq ?? 0, abort.signal, line, (how, lastSeq) => line(relayEnded(how, opts.sessionId, replyId, lastSeq, deps.idleMs))).then(
    () => out.end(),
    (err) => {
      // After line 1 the status is already 200: errors travel as a line, as Coco does.
      ctx.state.log.error({ err }, 'reply stream failed');
      out.end(`${JSON.stringify({ status: 500, error: { reason: 'the reply stream failed' } })}\n`);
    },
  );
}
