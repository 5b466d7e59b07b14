// Publishes one reply's chunks: assigns the reply-wide `seq`, logs each chunk in a Redis Stream (entry
// id = seq) and publishes it on the reply's channel, in one MULTI so readers that subscribe and then read
// the log never miss one. A publisher created for a reply that already has chunks (a later step, or a
// retried attempt after a crash) continues after the last logged seq.
import type { Redis } from '../infra/redis';
import type { ChunkType, MessageChunk, ReplyRef } from '../shared/chat';
import type { Span } from '../shared/reply-index';
import type { BusKeys } from './keys';

export interface PublisherOptions {
  /** How long a reply's log is kept for resume, in seconds. */
  logTtlSec: number;
  /** Tokens arriving within this many ms are sent as one chunk (0 = every delta at once). */
  coalesceMs: number;
}

export interface LoggedReply {
  lastSeq: number;
  chunks: MessageChunk[];
}

const TTL_REFRESH_MS = 60_000;

/** A chunk of the answer's text (what the saved message is made of). */
const isAnswerText = (type: ChunkType, system: boolean, text: string) => type === 'response' && !system && text !== '';

/** Coco counts `chunk_sequence` per step; think and response share one counter. */
function counterOf(type: ChunkType): string {
  return type === 'think' ? 'response' : type;
}

export async function readReplyLog(redis: Redis, keys: BusKeys, replyId: string, afterSeq = 0): Promise<MessageChunk[]> {
  const entries = await redis.xRange(keys.replyLog(replyId), `${afterSeq + 1}-0`, '+');
  return (entries ?? []).map((e) => JSON.parse(e.message.c as string) as MessageChunk);
}

export class ReplyPublisher {
  private seq = 0;
  private counters = new Map<string, number>();
  private pending: { type: ChunkType; system: boolean; text: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** When this publisher last set the log's TTL (0: not yet). */
  private expiredAt = 0;
  /** Seq and length of every answer chunk of the reply so far (see shared/reply-index). */
  private readonly answerSpans: Span[] = [];
  /** Every chunk of the reply so far, to write the log again if Redis lost it. */
  private readonly chunks: MessageChunk[] = [];

  private constructor(
    private readonly redis: Redis,
    private readonly keys: BusKeys,
    private readonly ref: ReplyRef,
    private readonly opts: PublisherOptions,
  ) {}

  /** Opens a publisher positioned after whatever the reply's log already holds. */
  static async open(redis: Redis, keys: BusKeys, ref: ReplyRef, opts: PublisherOptions): Promise<{ publisher: ReplyPublisher; logged: LoggedReply }> {
    const p = new ReplyPublisher(redis, keys, ref, opts);
    const chunks = await readReplyLog(redis, keys, ref.replyId);
    p.chunks.push(...chunks);
    for (const c of chunks) {
      p.seq = Math.max(p.seq, c.seq);
      if (isAnswerText(c.chunk_type, c.message_type === 'system', c.message_chunk)) p.answerSpans.push([c.seq, c.message_chunk.length]);
      const k = counterOf(c.chunk_type);
      p.counters.set(k, Math.max(p.counters.get(k) ?? 0, c.chunk_sequence + 1));
    }
    return { publisher: p, logged: { lastSeq: p.seq, chunks } };
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Where the answer's text came from in the stream, chunk by chunk. */
  get spans(): readonly Span[] {
    return this.answerSpans;
  }

  /** A token or text delta: coalesced with adjacent deltas of the same kind within the window. */
  delta(type: ChunkType, text: string, system = false): Promise<void> {
    if (!text) return this.flushing;
    if (this.pending && (this.pending.type !== type || this.pending.system !== system)) this.flushPending();
    if (this.pending) this.pending.text += text;
    else this.pending = { type, system, text };
    if (this.opts.coalesceMs <= 0) {
      this.flushPending();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flushPending(), this.opts.coalesceMs);
    }
    return this.flushing;
  }

  /** A whole chunk (markers, step payloads, reply_end): sent after any pending delta. */
  send(type: ChunkType, text: string, system = false, extra: Pick<MessageChunk, 'tool_call_message_chunk'> = {}): Promise<void> {
    this.flushPending();
    this.enqueue(type, text, system, extra);
    return this.flushing;
  }

  /** Resolves when everything handed over so far is logged and published. */
  flush(): Promise<void> {
    this.flushPending();
    return this.flushing;
  }

  private async rewriteLog(log: string) {
    const tx = this.redis.multi().del(log);
    for (const c of this.chunks) tx.xAdd(log, `${c.seq}-0`, { c: JSON.stringify(c) });
    await tx.expire(log, this.opts.logTtlSec).exec();
  }

  private flushPending() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const p = this.pending;
    this.pending = null;
    if (p) this.enqueue(p.type, p.text, p.system);
  }

  private enqueue(type: ChunkType, text: string, system: boolean, extra: Pick<MessageChunk, 'tool_call_message_chunk'> = {}) {
    const counter = counterOf(type);
    const chunkSequence = this.counters.get(counter) ?? 0;
    this.counters.set(counter, chunkSequence + 1);
    const chunk: MessageChunk = {
      session_id: this.ref.sessionId,
      message_id: this.ref.replyId,
      message_type: system ? 'system' : 'assistant',
      reply_to_message: this.ref.userMessageId,
      chunk_sequence: chunkSequence,
      chunk_type: type,
      message_chunk: text,
      seq: ++this.seq,
      ...extra,
    };
    if (isAnswerText(type, system, text)) this.answerSpans.push([chunk.seq, text.length]);
    this.chunks.push(chunk);
    const json = JSON.stringify(chunk);
    const log = this.keys.replyLog(this.ref.replyId);
    // The log's TTL is set with its first chunk, refreshed at most once a minute while the reply goes on,
    // and set again with reply_end, so it runs from the end; not with every token.
    const now = Date.now();
    const expire = this.expiredAt === 0 || type === 'reply_end' || now - this.expiredAt >= TTL_REFRESH_MS;
    if (expire) this.expiredAt = now;
    this.flushing = this.flushing.then(async () => {
      const tx = this.redis.multi().exists(log).xAdd(log, `${chunk.seq}-0`, { c: json });
      if (expire) tx.expire(log, this.opts.logTtlSec);
      const [existed] = await tx.publish(this.keys.replyChannel(this.ref.replyId), json).exec();
      // The log is gone though chunks were written before (a Redis without persistence restarted): write it
      // again whole, so a client resuming from any seq gets every chunk.
      if (Number(existed) === 0 && chunk.seq > 1) await this.rewriteLog(log);
    });
  }
}
