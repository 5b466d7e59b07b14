// Load benchmarks (issue 12's "must show"): a burst of new chats at once, and many sessions made by a
// fixed pool of clients. Each runs against the direct baseline first, then the server, with the same
// script, so the figures sit beside what the machine does without Temporal, Redis and the store.
import { performance } from 'node:perf_hooks';
import { type BenchContext, Driver, type Reply, reportFailures, type Row, words } from './chat-latency';
import { fmtSummary, summarize } from './stats';
import type { ChatTarget } from './targets';

interface Outcome {
  replies: Reply[];
  failed: number;
  errors: string[];
}

const record = (o: Outcome, s: PromiseSettledResult<Reply>) => {
  if (s.status === 'fulfilled') o.replies.push(s.value);
  else {
    o.failed++;
    o.errors.push((s.reason as Error).message);
  }
};

/**
 * `n` people start a chat at the same moment (each on a socket of their own, `_new`), `bursts` times
 * after a warm-up burst; the first token of every reply, counted from its own request.
 */
export async function burstOfNewChats(ctx: BenchContext, n = 100, bursts = 3): Promise<Row[]> {
  const d = new Driver(ctx);
  const tokens = words('b', 20);
  d.script({ tokens, delayMs: 0 });
  const results: Record<string, Outcome> = {};
  for (const target of [ctx.baseline, ctx.server]) {
    const o = (results[target.name] = { replies: [], failed: 0, errors: [] });
    for (let burst = 0; burst <= bursts; burst++) {
      const sessions = await Promise.all(Array.from({ length: n }, () => target.open({ newChats: true })));
      const settled = await Promise.allSettled(sessions.map((s, j) => d.reply(s, `burst ${burst}/${j}`, tokens.join(''))));
      sessions.forEach((s) => s.close());
      if (burst > 0) settled.forEach((s) => record(o, s));
    }
  }
  const ttft = (name: string) => summarize(results[name]!.replies.map((r) => r.tokens[0]!.at - r.t0));
  const b = ttft('baseline');
  const o = ttft('server');
  ctx.log(`(d) ${n} new chats at once (${bursts} bursts after a warm-up burst): first token baseline ${fmtSummary(b)}; server ${fmtSummary(o)}`);
  const split = (f: (r: Reply) => number) => fmtSummary(summarize(results.server!.replies.map(f)));
  ctx.log(`    server split: _new answered ${split((r) => r.accepted - r.t0)}; _new → model request ${split((r) => r.modelAt - r.t0)}`);
  reportFailures(ctx.log, 'baseline', results.baseline!);
  reportFailures(ctx.log, 'server', results.server!);
  return [
    { figure: `first token, ${n} new chats at once, p50`, server: o.p50, baseline: b.p50, unit: 'ms', target: { max: 1000, on: 'server', text: '≤ 1 s' } },
    { figure: `first token, ${n} new chats at once, p99`, server: o.p99, baseline: b.p99, unit: 'ms', target: { max: 3000, on: 'server', text: '≤ 3 s' } },
    { figure: `failed replies, ${n} new chats at once`, server: results.server!.failed, baseline: results.baseline!.failed, unit: 'count', target: { max: 0, on: 'server', text: '= 0' } },
  ];
}

/** `clients` clients, each making sessions one after another (`_new`, reply to its end) until `total` are made. */
async function manySessions(d: Driver, target: ChatTarget, total: number, clients: number, expected: string) {
  const o: Outcome = { replies: [], failed: 0, errors: [] };
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const s = await target.open({ newChats: true });
      try {
        while (next < total) {
          const i = next++;
          record(o, (await Promise.allSettled([d.reply(s, `session ${i}`, expected)]))[0]!);
        }
      } finally {
        s.close();
      }
    }),
  );
  return { ...o, seconds: (performance.now() - t0) / 1000 };
}

/** `total` sessions made by `clients` clients at once: wall time in all, and how long `_new` takes to answer. */
export async function manySessionsAtOnce(ctx: BenchContext, total = 1000, clients = 50): Promise<Row[]> {
  const d = new Driver(ctx);
  const tokens = words('s', 20);
  d.script({ tokens, delayMs: 0 });
  const base = await manySessions(d, ctx.baseline, total, clients, tokens.join(''));
  const server = await manySessions(d, ctx.server, total, clients, tokens.join(''));
  const accepted = (o: Outcome) => summarize(o.replies.map((r) => r.accepted - r.t0));
  const firstToken = (o: Outcome) => summarize(o.replies.map((r) => r.tokens[0]!.at - r.t0));
  const a = accepted(server);
  ctx.log(`(e) ${total} sessions by ${clients} clients at once: baseline ${base.seconds.toFixed(1)} s, server ${server.seconds.toFixed(1)} s`);
  ctx.log(`    _new answered: server ${fmtSummary(a)}; first token: baseline ${fmtSummary(firstToken(base))}, server ${fmtSummary(firstToken(server))}`);
  reportFailures(ctx.log, 'baseline', base);
  reportFailures(ctx.log, 'server', server);
  return [
    { figure: `${total} sessions by ${clients} clients, wall time`, server: server.seconds * 1000, baseline: base.seconds * 1000, unit: 'ms', target: { max: 60_000, on: 'server', text: '≤ 60 s' } },
    { figure: `_new answered, ${clients} clients, p50`, server: a.p50, baseline: NaN, unit: 'ms', target: { max: 200, on: 'server', text: '≤ 200 ms' } },
    { figure: `_new answered, ${clients} clients, p99`, server: a.p99, baseline: NaN, unit: 'ms' },
    { figure: `failed sessions of ${total}`, server: server.failed, baseline: base.failed, unit: 'count', target: { max: 0, on: 'server', text: '= 0' } },
  ];
}
