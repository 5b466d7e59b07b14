// `npm run bench -- observability`: what metrics and tracing cost a chat's first token. Two deployments
// (an API process and a worker process each, as `npm start` runs them) on the bench's stack, the same test
// model, interleaved turns: "off" (no OTLP endpoint, no metrics listener) and "on" (OTEL_EXPORTER_OTLP_ENDPOINT
// to an OTLP receiver in this process, COCO_METRICS_PORT listeners on API and worker, both scraped every
// second, harsher than Prometheus' default 15 s). The metric observations themselves run in both arms (they
// have no switch): their cost is printed beside, per observation and per turn.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Histogram, Registry } from 'prom-client';
import { readNdjson } from '../test/helpers/chat-env';
import { startFakeLlm } from '../test/helpers/fake-llm';
import { fmtSummary, ratio, summarize, table } from './stats';

const root = path.resolve(__dirname, '..');
const TURNS = Number(process.env.BENCH_OBSERVABILITY_TURNS ?? 60);
const ANSWER = Array.from({ length: 20 }, (_, i) => ` word${i}`);

interface Arm {
  name: string;
  url: string;
  children: ChildProcess[];
  session?: string;
}

/** Starts `script` as its own process; resolves once its output shows `ready` (when given). */
function spawnProcess(script: string, env: Record<string, string>, ready?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function startArm(name: string, ports: { api: number; ws: number }, env: Record<string, string>, workerOnly: Record<string, string> = {}): Promise<Arm> {
  const armEnv = { ...env, COCO_API_PORT: String(ports.api), COCO_WS_PORT: String(ports.ws), TEMPORAL_TASK_QUEUE: `bench-obs-${name}`, COCO_REDIS_PREFIX: `bench:obs:${name}:` };
  const api = await spawnProcess('src/server.ts', armEnv);
  const url = `http://127.0.0.1:${ports.api}`;
  await waitFor(`${name} API`, async () => (await fetch(`${url}/health`)).ok);
  const worker = await spawnProcess('src/worker.ts', { ...armEnv, ...workerOnly }, 'worker running');
  return { name, url, children: [api, worker] };
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
    // One after the other: both seed the same database at their first start.
    arms.push(await startArm('off', { api: 39101, ws: 39102 }, base));
    // BENCH_OBSERVABILITY_ON=tracing|metrics measures one of the two alone (tracing-api|tracing-worker: in one
    // process); `none` runs both arms off, the A/A control: how far two like deployments differ by themselves.
    const mode = process.env.BENCH_OBSERVABILITY_ON ?? 'both';
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    arms.push(
      await startArm(
        'on',
        { api: 39111, ws: 39112 },
        {
          ...base,
          ...((mode === 'both' || mode === 'tracing' || mode === 'tracing-api') && tracing),
          ...((mode === 'both' || mode === 'metrics') && { COCO_METRICS_PORT: '39121', COCO_WORKER_METRICS_PORT: '39122' }),
        },
        mode === 'tracing-worker' ? tracing : {},
      ),
    );
    let scrapes = 0;
    scraper = setInterval(() => {
      for (const port of [39121, 39122]) void fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).then(() => scrapes++, () => undefined);
    }, 1000);
    for (const arm of arms) {
      const created = await fetch(`${arm.url}/chat/_create?assistant_id=default`, { method: 'POST', headers: { 'X-API-TOKEN': token }, body: '{}' });
      arm.session = ((await created.json()) as { _id: string })._id;
      // Warm-up: the first turns start the session's workflow and fill the caches.
      for (let i = 0; i < 5; i++) await firstToken(arm, token, `warm-up ${i}`);
    }
    const samples: Record<string, number[]> = { off: [], on: [] };
    for (let i = 0; i < TURNS; i++) {
      const order = i % 2 === 0 ? arms : [...arms].reverse();
      for (const arm of order) samples[arm.name]!.push(await firstToken(arm, token, `turn ${i}`));
    }
    const off = summarize(samples.off!);
    const on = summarize(samples.on!);
    const ns = observeCost();
    const perTurn = ANSWER.length + 8; // a token gap per token, plus first token, reply, steps, turn counters
    process.stdout.write(
      `\n${table([
        ['first token (NDJSON _chat, simple path)', 'off', `on: ${mode === 'both' ? 'tracing + metrics scraped 1/s' : mode}`, 'on − off (p50)', 'ratio p50'],
        [`${TURNS} turns each, interleaved`, fmtSummary(off), fmtSummary(on), `${(on.p50 - off.p50).toFixed(2)} ms`, ratio(on.p50, off.p50)],
      ])}\n\n`,
    );
    log(`OTLP exports received: ${receiver.exports()}; metrics scrapes: ${scrapes}`);
    log(`a histogram observation costs ${ns.toFixed(0)} ns; ~${perTurn} per turn of ${ANSWER.length} tokens = ${((ns * perTurn) / 1e6).toFixed(4)} ms (in both arms)`);
    log(`target: on − off ≤ 1 ms at p50: ${on.p50 - off.p50 <= 1 ? 'PASS' : 'MISS'}`);
  } finally {
    if (scraper) clearInterval(scraper);
    for (const arm of arms) for (const c of arm.children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    for (const arm of arms) for (const c of arm.children) if (c.exitCode === null) c.kill('SIGKILL');
    receiver.close();
    await llm.close();
  }
}
