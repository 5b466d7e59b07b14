// Unified search (/query/_search) between the API and the workers: the API may not hold retrieval
// indexes (they live per worker), so it asks one. A request goes onto a Redis list every worker BLPOPs
// from (so exactly one worker takes it), the answer comes back on a per-request pub/sub channel through
// the process's hub. The API waits a bounded time; a request nobody took by its deadline is dropped by the
// worker that finally pops it. Requests and replies are size-bounded.
import { randomBytes } from 'node:crypto';
import type { Redis } from '../infra/redis';
import type { RedisHub } from './hub';

export const searchKeys = (prefix: string) => ({
  /** The list of pending requests (RPUSH by the API, BLPOP by workers). */
  queue: `${prefix}search:requests`,
  /** Where the answer to one request is published. */
  reply: (id: string) => `${prefix}search:reply:${id}`,
});

/** What the API asks a worker. */
export interface SearchAsk {
  datasourceIds: string[];
  /** The query text ('' = every document the filters let through). */
  text: string;
  /** ES clauses every document must match. */
  filters: unknown[];
  from: number;
  size: number;
  /** Terms aggregations ({name: {terms: {field, size}, aggs?: {name: {top_hits: {size}}}}}). */
  aggs?: Record<string, unknown>;
}

export interface SearchHitWire {
  id: string;
  score: number;
  source: Record<string, unknown>;
}

export interface SearchAnswer {
  total: number;
  hits: SearchHitWire[];
  aggregations?: Record<string, unknown>;
  /** The request could not be answered: a 400 (bad filter, bad aggs) or a 500. */
  error?: { status: number; reason: string };
}

interface Envelope {
  id: string;
  /** Epoch ms after which nobody waits for the answer. */
  deadline: number;
  ask: SearchAsk;
}

/** The most a request may weigh (its filters and aggs are the caller's). */
export const MAX_REQUEST_BYTES = 256 * 1024;
/** The most an answer may weigh (1,000 hits without content are far below it). */
export const MAX_REPLY_BYTES = 8 * 1024 * 1024;
/** How long the API waits for a worker by default. */
export const SEARCH_WAIT_MS = 5000;

export class SearchRequestTooLarge extends Error {}
export class NoSearchWorker extends Error {}

/** The API side: asks one worker and waits for its answer. */
export class SearchClient {
  constructor(
    private readonly redis: Redis,
    private readonly hub: RedisHub,
    private readonly prefix: string,
    private readonly waitMs = SEARCH_WAIT_MS,
  ) {}

  async ask(ask: SearchAsk): Promise<SearchAnswer> {
    const keys = searchKeys(this.prefix);
    const id = randomBytes(12).toString('hex');
    const envelope: Envelope = { id, deadline: Date.now() + this.waitMs, ask };
    const payload = JSON.stringify(envelope);
    if (Buffer.byteLength(payload) > MAX_REQUEST_BYTES) throw new SearchRequestTooLarge(`the search request is larger than ${MAX_REQUEST_BYTES} bytes`);
    let settle!: (v: SearchAnswer | Error) => void;
    const answered = new Promise<SearchAnswer | Error>((resolve) => (settle = resolve));
    const stop = await this.hub.listen(keys.reply(id), (message) => {
      try {
        settle(JSON.parse(message) as SearchAnswer);
      } catch {
        settle(new Error('unreadable search answer'));
      }
    });
    const timer = setTimeout(() => settle(new NoSearchWorker(`no search worker answered within ${this.waitMs / 1000} s (are workers running?)`)), this.waitMs);
    try {
      await this.redis.rPush(keys.queue, payload);
      const out = await answered;
      if (out instanceof Error) throw out;
      return out;
    } finally {
      clearTimeout(timer);
      // Leaving the reply channel is housekeeping (on the hub's own connection, in order with any later
      // use of the channel): the answer does not wait for that round trip.
      void stop().catch(() => undefined);
    }
  }
}

export interface SearchServer {
  stop(): Promise<void>;
}

/**
 * The worker side: takes requests off the queue (at most `concurrency` in hand at once) and publishes
 * each answer. Uses a connection of its own (BLPOP blocks it).
 */
export async function serveSearchRequests(
  redis: Redis,
  prefix: string,
  answer: (ask: SearchAsk) => Promise<SearchAnswer>,
  opts: { concurrency?: number; onError?: (err: Error) => void } = {},
): Promise<SearchServer> {
  const keys = searchKeys(prefix);
  const concurrency = opts.concurrency ?? 4;
  const conn = redis.duplicate();
  conn.on('error', () => undefined); // reconnects on its own
  await conn.connect();
  let stopping = false;
  const inHand = new Set<Promise<void>>();

  const handle = async (raw: string) => {
    let env: Envelope;
    try {
      env = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (!env?.id || Date.now() > env.deadline) return; // nobody waits for it any more
    let out: SearchAnswer;
    try {
      out = await answer(env.ask);
    } catch (err) {
      opts.onError?.(err as Error);
      out = { total: 0, hits: [], error: { status: 500, reason: 'the search failed on the worker' } };
    }
    let text = JSON.stringify(out);
    if (Buffer.byteLength(text) > MAX_REPLY_BYTES) {
      text = JSON.stringify({ total: 0, hits: [], error: { status: 400, reason: 'the search answer is too large: ask for fewer hits' } });
    }
    await redis.publish(keys.reply(env.id), text);
  };

  const loop = (async () => {
    while (!stopping) {
      if (inHand.size >= concurrency) {
        await Promise.race(inHand);
        continue;
      }
      let popped: { key: string; element: string } | null = null;
      try {
        popped = (await conn.blPop(keys.queue, 1)) as { key: string; element: string } | null;
      } catch (err) {
        if (stopping) break;
        opts.onError?.(err as Error);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!popped) continue;
      const p = handle(popped.element)
        .catch((err: Error) => opts.onError?.(err))
        .finally(() => inHand.delete(p));
      inHand.add(p);
    }
  })();

  return {
    async stop() {
      stopping = true;
      await loop.catch(() => undefined);
      await Promise.allSettled([...inHand]);
      if (conn.isOpen) await conn.quit().catch(() => undefined);
    },
  };
}
