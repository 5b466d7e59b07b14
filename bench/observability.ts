// `npm run bench -- observability`: what metrics and tracing cost a chat's first token. Deployments (an API
// process and a worker process each, as `npm start` runs them) on the bench's stack, the same test model,
// interleaved turns: "off" (no OTLP endpoint, no metrics listener) and "on" (OTEL_EXPORTER_OTLP_ENDPOINT to an
// OTLP receiver in this process, COCO_METRICS_PORT listeners on API and worker, both scraped every second,
// harsher than Prometheus' default 15 s). The metric observations themselves run in both arms (they have no
// switch): their cost is printed beside, per observation and per turn.
// A cost of 1 ms is small beside how much one first token varies on a shared 2-core machine (tens of ms),
// so the bench is built to see it: two deployments per side started in mirrored order (off, on, on, off),
// every deployment in every place of a round, a pause before each turn (the last turn's after-work done),
// a bootstrap 95% interval of the p50 difference, the A/A difference of like deployments of this run, and
// the CPU each process spent per turn. Knobs: BENCH_OBSERVABILITY_ON (both|tracing|tracing-api|
// tracing-worker|metrics|none), _TURNS, _WARMUP, _GAP_MS, _DEPLOYMENTS, _DUMP (a file for the samples);
// BENCH_CPU_PROF=<dir> writes a CPU profile of every API process.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Histogram, Registry } from 'prom-client';
import { readNdjson } from '../test/helpers/chat-env';
import { startFakeLlm } from '../test/helpers/fake-llm';
import { bootstrapDiff, fmtSummary, mean, percentile, ratio, summarize, table } from './stats';

const root = path.resolve(__dirname, '..');
const TURNS = Number(process.env.BENCH_OBSERVABILITY_TURNS ?? 150);
/** A pause before each turn, so the last turn's after-work (saving the reply, its workflow task) is done. */
const GAP_MS = Number(process.env.BENCH_OBSERVABILITY_GAP_MS ?? 150);
const WARMUP = Number(process.env.BENCH_OBSERVABILITY_WARMUP ?? 20);
/** Deployments (API + worker) in all, half of them on; a multiple of 4 (off, on, on, off). */
const DEPLOYMENTS = Math.max(4, Math.round(Number(process.env.BENCH_OBSERVABILITY_DEPLOYMENTS ?? 4) / 4) * 4);
const ANSWER = Array.from({ length: 20 }, (_, i) => ` word${i}`);

type Side = 'off' | 'on';

interface Arm {
  name: string;
  side: Side;
  samples: number[];
  url: string;
  children: ChildProcess[];
  session?: string;
}

/** Starts `script` as its own process; resolves once its output shows `ready` (when given). */
function spawnProcess(script: string, env: Record<string, string>, ready?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF && script === 'src/server.ts' ? ['--cpu-prof', '--cpu-prof-interval=500', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${env.TEMPORAL_TASK_QUEUE}`] : []), '--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!ready) {
    child.stdout!.resume();
    child.stderr!.resume();
    return Promise.resolve(child);
  }
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-4000);
      if (out.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what} did not come up within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** An OTLP/HTTP receiver that accepts every export (and counts them), as a collector would. */
function startReceiver(): Promise<{ url: string; exports: () => number; close(): void }> {
  let exports = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, exports: () => exports, close: () => server.close() })));
}

/** Starts one deployment: `env` for both processes, `apiOnly` / `workerOnly` for one of them. */
async function startArm(name: string, side: Side, ports: { api: number; ws: number }, env: Record<string, string>, apiOnly: Record<string, string>, workerOnly: Record<string, string>): Promise<Arm> {
  const armEnv = { ...env, COCO_API_PORT: String(ports.api), COCO_WS_PORT: String(ports.ws), TEMPORAL_TASK_QUEUE: `bench-obs-${name}`, COCO_REDIS_PREFIX: `bench:obs:${name}:` };
  const api = await spawnProcess('src/server.ts', { ...armEnv, ...apiOnly });
  const url = `http://127.0.0.1:${ports.api}`;
  await waitFor(`${name} API`, async () => (await fetch(`${url}/health`)).ok);
  const worker = await spawnProcess('src/worker.ts', { ...armEnv, ...workerOnly }, 'worker running');
  return { name, side, samples: [], url, children: [api, worker] };
}

/** One turn over NDJSON: ms from the request to the first non-empty answer token. */
async function firstToken(arm: Arm, token: string, text: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${arm.url}/chat/${arm.session}/_chat?assistant_id=default`, { method: 'POST', headers: { 'X-API-TOKEN': token }, body: JSON.stringify({ message: text }) });
  if (res.status !== 200) throw new Error(`${arm.name}: ${res.status} ${await res.text()}`);
  let first = NaN;
  await readNdjson(res, (line: { chunk_type?: string; message_chunk?: string }) => {
    if (Number.isNaN(first) && line.chunk_type === 'response' && line.message_chunk) first = performance.now() - t0;
    if (line.chunk_type === 'reply_end' && JSON.parse(line.message_chunk!).reason !== 'completed') throw new Error(`${arm.name}: ${line.message_chunk}`);
  });
  if (Number.isNaN(first)) throw new Error(`${arm.name}: no answer token`);
  return first;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime: clock ticks of 1/100 s
  } catch {
    return NaN;
  }
}

/** ns per histogram observation, as the reply path makes them. */
function observeCost(): number {
  const h = new Histogram({ name: 'bench_observe_seconds', help: 'bench', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [new Registry()] });
  const n = 1_000_000;
  for (let i = 0; i < 10_000; i++) h.observe(i / 1e5);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) h.observe((i % 1000) / 1e4);
  return Number(process.hrtime.bigint() - t0) / n;
}

export async function observability(log: (line: string) => void = (l) => process.stdout.write(`[bench] ${l}\n`)): Promise<void> {
  const llm = await startFakeLlm();
  llm.fallback = () => ({ tokens: ANSWER });
  const receiver = await startReceiver();
  const token = process.env.COCO_ADMIN_TOKEN ?? 'bench-observability-admin-token-0123456789';
  const base: Record<string, string> = {
    MONGODB_URI: process.env.COCO_TEST_MONGODB_URI!.replace(/\/[^/]*$/, '/bench_observability'),
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    REDIS_URL: process.env.REDIS_URL!,
    COCO_ADMIN_TOKEN: token,
    COCO_LLM_BASE_URL: llm.url,
    COCO_LLM_API_KEY: 'sk-bench-observability',
    COCO_LLM_MODEL: 'bench-model',
  };
  const arms: Arm[] = [];
  let scraper: NodeJS.Timeout | undefined;
  try {
    // BENCH_OBSERVABILITY_ON=tracing|metrics measures one of the two alone (tracing-api|tracing-worker: in one
    // process); `none` runs every deployment off, the A/A control.
    const mode = process.env.BENCH_OBSERVABILITY_ON ?? 'both';
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    // ABBA: off, on, on, off (× DEPLOYMENTS/2). Which deployment started first, which ports and task queue it
    // has, how its JIT warmed up: each makes a deployment a little faster or slower than a like one (the A/A
    // runs of one deployment per side differed by up to 4 ms at p50). Two per side, started in mirrored order,
    // cancel that; the two of a side against each other show how large it is in this very run.
    const sides = Array.from({ length: DEPLOYMENTS }, (_, k) => ((k % 4 === 0 || k % 4 === 3) ? 'off' : 'on') as Side);
    const metricsPorts: number[] = [];
    // One after the other: the first seeds the database.
    for (const [k, side] of sides.entries()) {
      const n = sides.slice(0, k).filter((s) => s === side).length + 1;
      const ports = { api: 39101 + 10 * k, ws: 39102 + 10 * k, apiMetrics: 39103 + 10 * k, workerMetrics: 39104 + 10 * k };
      const metrics = side === 'on' && (mode === 'both' || mode === 'metrics');
      if (metrics) metricsPorts.push(ports.apiMetrics, ports.workerMetrics);
      const traced = side === 'on' && mode !== 'none' && mode !== 'metrics';
      arms.push(
        await startArm(
          `${side}${n}`,
          side,
          ports,
          { ...base, ...(metrics && { COCO_METRICS_PORT: String(ports.apiMetrics), COCO_WORKER_METRICS_PORT: String(ports.workerMetrics) }) },
          traced && mode !== 'tracing-worker' ? tracing : {},
          traced && mode !== 'tracing-api' ? tracing : {},
        ),
      );
    }
    let scrapes = 0;
    scraper = setInterval(() => {
      for (const port of metricsPorts) void fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).then(() => scrapes++, () => undefined);
    }, 1000);
    for (const arm of arms) {
      const created = await fetch(`${arm.url}/chat/_create?assistant_id=default`, { method: 'POST', headers: { 'X-API-TOKEN': token }, body: '{}' });
      arm.session = ((await created.json()) as { _id: string })._id;
      // Warm-up: the first turns start the session's workflow and fill the caches (and let the JIT settle).
      for (let i = 0; i < WARMUP; i++) await firstToken(arm, token, `warm-up ${i}`);
    }
    // CPU each process spent over the measured turns, the pauses and the scrapes between them included.
    const cpuBefore = arms.map((arm) => arm.children.map((c) => cpuSeconds(c.pid)));
    for (let i = 0; i < TURNS; i++) {
      // Each deployment takes each place in the round equally often.
      const order = arms.map((_, k) => arms[(k + i) % arms.length]!);
      for (const arm of i % 2 === 0 ? order : order.reverse()) {
        await new Promise((r) => setTimeout(r, GAP_MS));
        arm.samples.push(await firstToken(arm, token, `turn ${i}`));
      }
    }
    const cpuPerTurn = arms.map((arm, a) => arm.children.map((c, p) => ((cpuSeconds(c.pid) - cpuBefore[a]![p]!) * 1000) / TURNS));
    if (process.env.BENCH_OBSERVABILITY_DUMP) fs.writeFileSync(process.env.BENCH_OBSERVABILITY_DUMP, JSON.stringify(arms.map((a) => ({ name: a.name, samples: a.samples }))));
    const pooled = (side: Side) => arms.filter((a) => a.side === side).flatMap((a) => a.samples);
    const off = summarize(pooled('off'));
    const on = summarize(pooled('on'));
    const ci = bootstrapDiff(pooled('on'), pooled('off'), (v) => percentile(v, 50));
    const ns = observeCost();
    const perTurn = ANSWER.length + 8; // a token gap per token, plus first token, reply, steps, turn counters
    const rows = [
      ['first token (NDJSON _chat, simple path)', 'off', `on: ${mode === 'both' ? 'tracing + metrics scraped 1/s' : mode}`, 'on − off (p50)', '95% interval', 'ratio p50'],
      [`${TURNS} turns per deployment, ${DEPLOYMENTS / 2} per side`, fmtSummary(off), fmtSummary(on), `${(on.p50 - off.p50).toFixed(2)} ms`, `${ci.low.toFixed(2)} … ${ci.high.toFixed(2)} ms`, ratio(on.p50, off.p50)],
    ];
    // The noise floor of this run: like deployments against each other (zero but for noise).
    for (const side of ['off', 'on'] as Side[]) {
      const [a, b] = arms.filter((x) => x.side === side);
      if (!a || !b) continue;
      const sa = summarize(a.samples);
      const sb = summarize(b.samples);
      rows.push([`A/A: ${b.name} − ${a.name}`, fmtSummary(sa), fmtSummary(sb), `${(sb.p50 - sa.p50).toFixed(2)} ms`, '', ratio(sb.p50, sa.p50)]);
    }
    process.stdout.write(`\n${table(rows)}\n\n`);
    for (const [a, arm] of arms.entries()) log(`${arm.name}: p50 ${summarize(arm.samples).p50.toFixed(1)} ms; CPU per turn: API ${cpuPerTurn[a]![0]!.toFixed(2)} ms, worker ${cpuPerTurn[a]![1]!.toFixed(2)} ms`);
    const cpu = (side: Side, p: number) => mean(arms.flatMap((arm, a) => (arm.side === side ? [cpuPerTurn[a]![p]!] : [])));
    log(`CPU per turn, on − off: API ${(cpu('on', 0) - cpu('off', 0)).toFixed(2)} ms, worker ${(cpu('on', 1) - cpu('off', 1)).toFixed(2)} ms`);
    log(`OTLP exports received: ${receiver.exports()}; metrics scrapes: ${scrapes}`);
    log(`a histogram observation costs ${ns.toFixed(0)} ns; ~${perTurn} per turn of ${ANSWER.length} tokens = ${((ns * perTurn) / 1e6).toFixed(4)} ms (in both arms)`);
    log(`target: on − off ≤ 1 ms at p50: ${on.p50 - off.p50 <= 1 ? 'PASS' : 'MISS'}`);
  } finally {
    if (scraper) clearInterval(scraper);
    for (const arm of arms) for (const c of arm.children) c.kill('SIGTERM');
    // A CPU profile is written as the process exits, which takes a while for a long one.
    await new Promise((r) => setTimeout(r, process.env.BENCH_CPU_PROF ? 20_000 : 1000));
    for (const arm of arms) for (const c of arm.children) if (c.exitCode === null) c.kill('SIGKILL');
    receiver.close();
    await llm.close();
  }
}
