// The chat benchmarks, each run against the server and the direct baseline in the same process, with
// samples interleaved so drift hits both alike: (a) time to first token, 1 session and 50 concurrent;
// (b) per-token added latency and tokens/s; (c) _cancel to reply_end.
import { performance } from 'node:perf_hooks';
import { type FakeLlm, lastUserText, type Script } from '../test/helpers/fake-llm';
import { type LlmTap, newestMarker } from './llm-tap';
import { fmtSummary, summarize } from './stats';
import { type ChatSession, type ChatTarget, endReason, type Frame, isEnd, isToken } from './targets';
import type { Stamped } from './timed-socket';
import type { FloorProbe } from './floor/probe';

export interface BenchContext {
  llm: FakeLlm;
  tap: LlmTap;
  server: ChatTarget;
  baseline: ChatTarget;
  /** Times Temporal's own share of a turn: update → activity start on a one-step workflow. */
  floor: FloorProbe;
  log: (line: string) => void;
}

/** One summary figure: server vs baseline; `target` is checked on the overhead (server − baseline) or on the server's value. */
export interface Row {
  figure: string;
  server: number;
  baseline: number;
  unit: 'ms' | 'tok/s' | 'count';
  target?: { max: number; on: 'overhead' | 'server'; text: string };
}

const REPLY_TIMEOUT_MS = 30_000;
const MAX_FAILS_IN_A_ROW = 3;
let markers = 0;
export const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ` ${prefix}${i}`);

export interface Reply {
  marker: string;
  t0: number;
  /** When the send request was answered (server: the HTTP response; baseline: at once). */
  accepted: number;
  /** When the test model received the request (performance.now()). */
  modelAt: number;
  tokens: Stamped<Frame>[];
}

/**
 * Every message carries a unique marker; the test model notes when the request for it arrived, so a
 * reply's timings split into "before the model was asked" and "model to client".
 */
export class Driver {
  private readonly modelAt = new Map<string, number>();

  constructor(private readonly ctx: BenchContext) {}

  /**
   * The first request for a message gets `script`. Later ones for the same message (the server's
   * follow-ups: title, history summary) and unmarked ones get a short answer, so they cost what a
   * quick model call costs and do not stream the long benchmark script again.
   */
  script(script: Script) {
    this.ctx.llm.fallback = (req) => {
      const marker = newestMarker(lastUserText(req));
      if (!marker || this.modelAt.has(marker)) return { tokens: ['Benchmark', ' chat'] };
      this.modelAt.set(marker, performance.now());
      return script;
    };
  }

  /** Unique over the whole run (the tap keeps what it saw). */
  nextMarker(): string {
    return `[bench:${++markers}]`;
  }

  /** Asks, waits for reply_end, and checks the reason and the text. Throws on any failure. */
  async reply(s: ChatSession, label: string, expected: string, timeoutMs = REPLY_TIMEOUT_MS): Promise<Reply> {
    const marker = this.nextMarker();
    const { t0, key } = await s.ask(`${label} ${marker}`);
    const accepted = performance.now();
    const end = await s.ws.waitFor(isEnd(key), timeoutMs, 'reply_end');
    if (endReason(end.value) !== 'completed') throw new Error(`reply ended with ${end.value.message_chunk}`);
    const tokens = s.ws.all(isToken(key));
    const text = tokens.map((t) => t.value.message_chunk).join('');
    if (text !== expected) throw new Error(`got ${text.length} chars, expected ${expected.length}`);
    return { marker, t0, accepted, modelAt: this.modelAt.get(marker) ?? NaN, tokens };
  }

  /**
   * Runs `fn` for the baseline, then the server, `warmups + samples` times; keeps the samples. Gives up
   * (throws) when one side fails MAX_FAILS_IN_A_ROW times running: it is broken, not slow.
   */
  async interleaved<T>(sessions: ChatSession[], warmups: number, samples: number, fn: (s: ChatSession, i: number) => Promise<T>) {
    const out = sessions.map(() => ({ kept: [] as T[], failed: 0, inARow: 0, errors: [] as string[] }));
    for (let i = 0; i < warmups + samples; i++) {
      for (const [k, s] of sessions.entries()) {
        const o = out[k]!;
        try {
          const r = await fn(s, i);
          o.inARow = 0;
          if (i >= warmups) o.kept.push(r);
        } catch (err) {
          o.failed++;
          o.errors.push((err as Error).message);
          if (++o.inARow >= MAX_FAILS_IN_A_ROW) throw new Error(`${MAX_FAILS_IN_A_ROW} replies in a row failed, the last: ${(err as Error).message}`);
        }
      }
    }
    return out;
  }
}

export function reportFailures(log: BenchContext['log'], name: string, r: { failed: number; errors: string[] }) {
  if (r.failed) log(`  ${name}: ${r.failed} failed, e.g. ${[...new Set(r.errors)].slice(0, 3).join(' | ')}`);
}

/** (a) Time to first token, one session at a time. */
export async function firstTokenSequential(ctx: BenchContext, warmups = 10, samples = 100): Promise<Row[]> {
  const d = new Driver(ctx);
  const tokens = words('t', 20);
  d.script({ tokens, delayMs: 0 });
  const sessions = [await ctx.baseline.open(), await ctx.server.open()];
  const [base, server] = await d.interleaved(sessions, warmups, samples, (s, i) => d.reply(s, `first token ${i}`, tokens.join('')));
  sessions.forEach((s) => s.close());
  // Right after, as many samples of the floor. (Not interleaved: the tail of a floor sample, its workflow
  // task after the step, would slow whichever sample comes next.)
  const floor: number[] = [];
  for (let i = 0; i < warmups + samples; i++) {
    const f = await ctx.floor.sample();
    if (i >= warmups) floor.push(f);
  }
  const b = summarize(base!.kept.map((r) => r.tokens[0]!.at - r.t0));
  const o = summarize(server!.kept.map((r) => r.tokens[0]!.at - r.t0));
  const f = summarize(floor);
  const split = (f: (r: Reply) => number, side = server!) => fmtSummary(summarize(side.kept.map(f)));
  ctx.log(`(a) first token, 1 session: baseline ${fmtSummary(b)}; server ${fmtSummary(o)}`);
  ctx.log(`    server split: _send answered ${split((r) => r.accepted - r.t0)}; send → model request ${split((r) => r.modelAt - r.t0)};`);
  ctx.log(`    model request → first token ${split((r) => r.tokens[0]!.at - r.modelAt)}`);
  ctx.log(`    baseline split: send → model request ${split((r) => r.modelAt - r.t0, base!)}; model request → first token ${split((r) => r.tokens[0]!.at - r.modelAt, base!)}`);
  ctx.log(`    Temporal floor (update → activity start of a one-step workflow, measured right after): ${fmtSummary(f)};`);
  ctx.log(`    p50 overhead ${(o.p50 - b.p50).toFixed(1)} ms, of which Temporal's floor ${f.p50.toFixed(1)} ms and the rest ${(o.p50 - b.p50 - f.p50).toFixed(1)} ms`);
  reportFailures(ctx.log, 'baseline', base!);
  reportFailures(ctx.log, 'server', server!);
  return [
    { figure: 'first token, 1 session, p50', server: o.p50, baseline: b.p50, unit: 'ms', target: { max: 20, on: 'overhead', text: 'overhead ≤ 20 ms' } },
    { figure: 'first token, 1 session, p99', server: o.p99, baseline: b.p99, unit: 'ms', target: { max: 60, on: 'overhead', text: 'overhead ≤ 60 ms' } },
    { figure: 'failed replies, 1 session', server: server!.failed, baseline: base!.failed, unit: 'count' },
    { figure: 'Temporal floor (update → step), p50', server: f.p50, baseline: NaN, unit: 'ms' },
  ];
}

/** (a) Time to first token of a new chat: every message starts a session (and its workflow). */
export async function firstTokenNewChat(ctx: BenchContext, warmups = 5, samples = 50): Promise<Row[]> {
  const d = new Driver(ctx);
  const tokens = words('n', 20);
  d.script({ tokens, delayMs: 0 });
  const sessions = [await ctx.baseline.open(), await ctx.server.open({ newChats: true })];
  const [base, server] = await d.interleaved(sessions, warmups, samples, (s, i) => d.reply(s, `new chat ${i}`, tokens.join('')));
  sessions.forEach((s) => s.close());
  const b = summarize(base!.kept.map((r) => r.tokens[0]!.at - r.t0));
  const o = summarize(server!.kept.map((r) => r.tokens[0]!.at - r.t0));
  ctx.log(`(a) first token of a new chat (_new each time): baseline ${fmtSummary(b)}; server ${fmtSummary(o)}`);
  reportFailures(ctx.log, 'server', server!);
  return [
    { figure: 'first token, new chat, p50', server: o.p50, baseline: b.p50, unit: 'ms' },
    { figure: 'first token, new chat, p99', server: o.p99, baseline: b.p99, unit: 'ms' },
  ];
}

/** (a) Time to first token with `n` sessions sending at once: a `_new` round, then `rounds` `_send` rounds. */
export async function firstTokenConcurrent(ctx: BenchContext, n = 50, rounds = 3): Promise<Row[]> {
  const d = new Driver(ctx);
  const tokens = words('c', 20);
  d.script({ tokens, delayMs: 0 });
  const results: Record<string, { failed: number; errors: string[]; replies: Reply[] }> = {};
  for (const target of [ctx.baseline, ctx.server]) {
    const r = (results[target.name] = { failed: 0, errors: [] as string[], replies: [] as Reply[] });
    const sessions = await Promise.all(Array.from({ length: n }, () => target.open()));
    for (let round = 0; round <= rounds; round++) {
      const settled = await Promise.allSettled(sessions.map((s, j) => d.reply(s, `concurrent ${round}/${j}`, tokens.join(''))));
      if (settled.every((s) => s.status === 'rejected')) throw new Error(`${target.name}: every reply of round ${round} failed, e.g. ${(settled[0] as PromiseRejectedResult).reason}`);
      for (const s of settled) {
        if (s.status === 'rejected') {
          r.failed++;
          r.errors.push((s.reason as Error).message);
        } else if (round > 0) {
          r.replies.push(s.value);
        }
      }
    }
    sessions.forEach((s) => s.close());
  }
  const ttft = (name: string) => summarize(results[name]!.replies.map((r) => r.tokens[0]!.at - r.t0));
  const b = ttft('baseline');
  const o = ttft('server');
  ctx.log(`(a) first token, ${n} concurrent sessions (${rounds} rounds after a warm-up round): baseline ${fmtSummary(b)}; server ${fmtSummary(o)}`);
  const split = (f: (r: Reply) => number) => fmtSummary(summarize(results.server!.replies.map(f)));
  ctx.log(`    server split: _send answered ${split((r) => r.accepted - r.t0)}; send → model request ${split((r) => r.modelAt - r.t0)}`);
  ctx.log(`    failed replies (all ${rounds + 1} rounds, ${n * (rounds + 1)} replies per side): baseline ${results.baseline!.failed}, server ${results.server!.failed}`);
  reportFailures(ctx.log, 'baseline', results.baseline!);
  reportFailures(ctx.log, 'server', results.server!);
  return [
    { figure: `first token, ${n} concurrent, p50`, server: o.p50, baseline: b.p50, unit: 'ms' },
    { figure: `first token, ${n} concurrent, p99`, server: o.p99, baseline: b.p99, unit: 'ms' },
    { figure: `failed replies, ${n} concurrent`, server: results.server!.failed, baseline: results.baseline!.failed, unit: 'count', target: { max: 0, on: 'server', text: '= 0' } },
  ];
}

/** When each scripted token was complete at the client (chunks may carry several tokens). */
function tokenArrivals(frames: Stamped<Frame>[], script: string[]): number[] {
  const out: number[] = [];
  let have = 0;
  let need = 0;
  let f = 0;
  let at = NaN;
  for (const token of script) {
    need += token.length;
    while (have < need && f < frames.length) {
      have += frames[f]!.value.message_chunk.length;
      at = frames[f++]!.at;
    }
    out.push(at);
  }
  return out;
}

const median = (xs: number[]) => summarize(xs).p50;

/** (b) Per-token latency (model request → token i at the client) over the baseline's, and tokens/s. */
export async function perToken(ctx: BenchContext, tokenCount = 200, delayMs = 5, warmups = 1, samples = 5): Promise<Row[]> {
  const d = new Driver(ctx);
  const tokens = words('p', tokenCount);
  d.script({ tokens, delayMs });
  const sessions = [await ctx.baseline.open(), await ctx.server.open()];
  const [base, server] = await d.interleaved(sessions, warmups, samples, (s, i) => d.reply(s, `per token ${i}`, tokens.join('')));
  sessions.forEach((s) => s.close());

  // Per token: when it reached the client minus when it left the model (seen by the tap).
  const latencies = (r: Reply) => {
    const left = ctx.tap.emitted.get(r.marker) ?? [];
    if (left.length !== tokens.length) throw new Error(`the tap saw ${left.length} of ${tokens.length} tokens for ${r.marker}`);
    return tokenArrivals(r.tokens, tokens).map((at, i) => at - left[i]!);
  };
  const baseLat = base!.kept.map(latencies);
  const baseMedian = tokens.map((_, i) => median(baseLat.map((l) => l[i]!)));
  const serverLat = server!.kept.map(latencies);
  const added = serverLat.flatMap((l) => l.map((v, i) => v - baseMedian[i]!));
  const lb = summarize(baseLat.flat());
  const lo = summarize(serverLat.flat());
  const gaps = (r: Reply) => {
    const at = tokenArrivals(r.tokens, tokens);
    return at.slice(1).map((t, i) => t - at[i]!);
  };
  const tps = (r: Reply) => tokenCount / ((r.tokens.at(-1)!.at - r.t0) / 1000);
  const a = summarize(added);
  const gb = summarize(base!.kept.flatMap(gaps));
  const go = summarize(server!.kept.flatMap(gaps));
  const tb = median(base!.kept.map(tps));
  const to = median(server!.kept.map(tps));
  ctx.log(`(b) ${tokenCount} tokens at ${delayMs} ms: token leaves the model → at the client: baseline ${fmtSummary(lb)}; server ${fmtSummary(lo)}`);
  ctx.log(`    added per-token latency (server − baseline median for the same token index) ${fmtSummary(a)}`);
  ctx.log(`    inter-token gap: baseline ${fmtSummary(gb)}; server ${fmtSummary(go)}`);
  ctx.log(`    end-to-end tokens/s (median of runs): baseline ${tb.toFixed(1)}, server ${to.toFixed(1)}`);
  reportFailures(ctx.log, 'baseline', base!);
  reportFailures(ctx.log, 'server', server!);
  return [
    { figure: 'per-token latency model → client, p50', server: lo.p50, baseline: lb.p50, unit: 'ms' },
    { figure: 'per-token latency model → client, p99', server: lo.p99, baseline: lb.p99, unit: 'ms' },
    { figure: 'added per-token latency, p50', server: a.p50, baseline: NaN, unit: 'ms', target: { max: 5, on: 'server', text: '≤ 5 ms' } },
    { figure: 'added per-token latency, p99', server: a.p99, baseline: NaN, unit: 'ms' },
    { figure: 'inter-token gap, p50', server: go.p50, baseline: gb.p50, unit: 'ms' },
    { figure: 'inter-token gap, p99', server: go.p99, baseline: gb.p99, unit: 'ms' },
    { figure: 'tokens/s end-to-end', server: to, baseline: tb, unit: 'tok/s' },
  ];
}

/** (c) A long slow reply; after its first tokens, cancel; time until reply_end reaches the client. */
export async function cancelLatency(ctx: BenchContext, warmups = 2, samples = 20): Promise<Row[]> {
  const d = new Driver(ctx);
  d.script({ tokens: words('x', 1000), delayMs: 20 });
  const sessions = [await ctx.baseline.open(), await ctx.server.open()];
  const [base, server] = await d.interleaved(sessions, warmups, samples, async (s) => {
    const { key } = await s.ask(`cancel me ${d.nextMarker()}`);
    await s.ws.waitFor(isToken(key), 10_000, 'third token', 3);
    const t0 = performance.now();
    await s.cancel(key);
    const end = await s.ws.waitFor(isEnd(key), 10_000, 'reply_end after cancel');
    if (endReason(end.value) !== 'user_cancelled') throw new Error(`reply ended with ${end.value.message_chunk}`);
    return end.at - t0;
  });
  sessions.forEach((s) => s.close());
  const b = summarize(base!.kept);
  const o = summarize(server!.kept);
  ctx.log(`(c) _cancel → reply_end: baseline ${fmtSummary(b)}; server ${fmtSummary(o)}`);
  reportFailures(ctx.log, 'baseline', base!);
  reportFailures(ctx.log, 'server', server!);
  return [
    { figure: 'cancel → reply_end, p50', server: o.p50, baseline: b.p50, unit: 'ms' },
    { figure: 'cancel → reply_end, p99', server: o.p99, baseline: b.p99, unit: 'ms', target: { max: 250, on: 'server', text: '≤ 250 ms' } },
    { figure: 'failed cancels', server: server!.failed, baseline: base!.failed, unit: 'count' },
  ];
}
