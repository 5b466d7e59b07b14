// `npm run bench`: starts a throw-away stack as `npm test` does (Temporal in memory, FerretDB on a fresh
// PostgreSQL dir, a Redis of its own; on ports of its own), then, in this process, the test model, an API
// server, a worker, the direct baseline and the Temporal floor probe (bench/floor); runs the chat
// benchmarks, prints a summary, stops it all.
// The workers run as processes of their own (COCO_BENCH_WORKERS, default 1), as `npm start` runs them.
// `npm run bench -- cancel per-token` runs only those. MONGODB_URI / TEMPORAL_ADDRESS point it at
// running services instead (e.g. a Temporal dev server with other dynamic config).
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { generatePayloadKey } from '../src/infra/payload-codec';
import { stackOptionsFor } from '../scripts/lib/embedded';
import { scratchDataDir } from '../scripts/lib/postgres';
import { type Stack, startStack } from '../scripts/lib/stack';
import { type ChatEnv, startChatEnv } from '../test/helpers/chat-env';
import { type Baseline, startBaseline } from './baseline';
import { type LlmTap, startLlmTap } from './llm-tap';
import { type FloorProbe, startFloorProbe } from './floor/probe';
import { type BenchContext, cancelLatency, firstTokenConcurrent, firstTokenNewChat, firstTokenSequential, perToken, type Row } from './chat-latency';
import { burstOfNewChats, manySessionsAtOnce } from './load';
import { hostileSearch } from './hostile-search';
import { observability } from './observability';
import { querySearch } from './query-search';
import { ratio, table } from './stats';
import { startWorkerProcesses } from './worker-procs';
import { baselineTarget, serverTarget } from './targets';

const root = path.resolve(__dirname, '..');
const GLOBAL_TIMEOUT_MS = Number(process.env.COCO_BENCH_TIMEOUT_MS ?? 900_000);
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const BENCHES: Record<string, (ctx: BenchContext) => Promise<Row[]>> = {
  'first-token': (ctx) => firstTokenSequential(ctx),
  'new-chat': (ctx) => firstTokenNewChat(ctx),
  concurrent: (ctx) => firstTokenConcurrent(ctx),
  'per-token': (ctx) => perToken(ctx),
  cancel: (ctx) => cancelLatency(ctx),
  burst: (ctx) => burstOfNewChats(ctx),
  sessions: (ctx) => manySessionsAtOnce(ctx),
  // Prints its own table (case, before, after, ratio): its "before" is another code path, not the baseline.
  'hostile-search': async () => {
    await hostileSearch();
    return [];
  },
  // Prints its own table: /query/_search beside a MongoDB $regex scan of the same queries.
  'query-search': async () => {
    await querySearch();
    return [];
  },
  // Prints its own table: first token with tracing and metrics on against off, two deployments of its own.
  observability: async () => {
    await observability();
    return [];
  },
};
const only = process.argv.slice(2);
/** Worker processes beside the bench's process (which runs the API); as `npm start`, one by default. */
const WORKERS = Number(process.env.COCO_BENCH_WORKERS ?? 1);

const fmt = (v: number, unit: Row['unit']) =>
  !Number.isFinite(v) ? '—' : unit === 'count' ? String(v) : unit === 'tok/s' ? `${v.toFixed(1)} tok/s` : `${v.toFixed(1)} ms`;

function summaryTable(rows: Row[]): string {
  const lines = [['figure', 'server', 'baseline', 'ratio', 'overhead', 'target', 'result']];
  for (const r of rows) {
    const overhead = r.unit === 'ms' && Number.isFinite(r.baseline) ? r.server - r.baseline : NaN;
    let result = '';
    if (r.target) {
      const value = r.target.on === 'overhead' ? overhead : r.server;
      result = Number.isFinite(value) && value <= r.target.max ? 'PASS' : 'MISS';
    }
    const overheadText = Number.isFinite(overhead) ? `${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)} ms` : '—';
    const ratioText = r.unit === 'count' || !Number.isFinite(r.baseline) ? '—' : ratio(r.server, r.baseline);
    lines.push([r.figure, fmt(r.server, r.unit), fmt(r.baseline, r.unit), ratioText, overheadText, r.target?.text ?? '', result]);
  }
  return table(lines);
}

async function main(): Promise<number> {
  const started = Date.now();
  const unknown = only.filter((n) => !(n in BENCHES));
  if (unknown.length) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  const dataDir = scratchDataDir(path.join(root, '.data', `bench-${process.pid}`));
  const stackEnv: Record<string, string> = {
    COCO_DATA_DIR: dataDir,
    COCO_FERRETDB_PORT: process.env.COCO_TEST_FERRETDB_PORT ?? '37517',
    COCO_TEMPORAL_PORT: process.env.COCO_TEST_TEMPORAL_PORT ?? '17633',
    COCO_REDIS_PORT: process.env.COCO_TEST_REDIS_PORT ?? '16579',
    COCO_POSTGRES_PORT: process.env.COCO_TEST_POSTGRES_PORT ?? '15590',
    // A throw-away key for the payload codec, as scripts/run-tests.ts has (the bench's Temporal keeps nothing).
    COCO_PAYLOAD_KEY: process.env.COCO_PAYLOAD_KEY ?? generatePayloadKey(),
  };
  const config = loadConfig({ ...process.env, ...stackEnv });
  let stack: Stack | undefined;
  let env: ChatEnv | undefined;
  let baseline: Baseline | undefined;
  let tap: LlmTap | undefined;
  let floor: FloorProbe | undefined;
  let workers: { stop(): Promise<void> } | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await workers?.stop().catch(() => undefined);
      await env?.close().catch(() => undefined);
      await baseline?.close().catch(() => undefined);
      await tap?.close().catch(() => undefined);
      await floor?.close().catch(() => undefined);
      await stack?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    })());
  const bail = (why: string) => {
    process.stderr.write(`[bench] ${why}; stopping\n`);
    void cleanup().finally(() => process.exit(2));
  };
  const timer = setTimeout(() => bail(`global timeout of ${GLOBAL_TIMEOUT_MS / 1000}s`), GLOBAL_TIMEOUT_MS);
  process.stdout.on('error', () => undefined); // a closed pipe (e.g. `| head`) must not skip the cleanup
  process.once('SIGINT', () => bail('interrupted'));
  process.once('SIGTERM', () => bail('terminated'));

  try {
    stack = await startStack(stackOptionsFor(config, log, { persistent: false, ui: false }));
    log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s (MongoDB ${config.mongo.uri}, Temporal ${config.temporal.address})`);
    // What scripts/run-tests.ts hands to jest, so the test helpers find this stack.
    Object.assign(process.env, stackEnv, {
      COCO_TEST_MONGODB_URI: config.mongo.uri,
      TEMPORAL_ADDRESS: config.temporal.address,
      REDIS_URL: config.redis.url,
      COCO_TEST_STACK: '1',
    });
    // The server and the baseline reach the test model through the tap, which times each token.
    tap = await startLlmTap();
    // 50 concurrent sessions hold 50 sockets of the one bench token: above the default per-token cap.
    env = await startChatEnv('bench', { COCO_LLM_BASE_URL: tap.url, COCO_WS_MAX_PER_TOKEN: '1000' }, { worker: false });
    workers = await startWorkerProcesses(WORKERS, env.env);
    tap.upstream = env.llm.url;
    baseline = await startBaseline(tap.url);
    floor = await startFloorProbe(config.temporal.address);
    const ctx: BenchContext = { llm: env.llm, tap, server: serverTarget(env.api.url, env.api.token), baseline: baselineTarget(baseline.wsUrl), floor, log };
    log(`server, worker and baseline ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const rows: Row[] = [];
    for (const [name, bench] of Object.entries(BENCHES)) {
      if (only.length === 0 || only.includes(name)) rows.push(...(await bench(ctx)));
    }

    if (rows.length > 0) {
      process.stdout.write(`\n${summaryTable(rows)}\n\n`);
      log('overhead = server − baseline; ratio = server / baseline; per-token latency = token i at the client − token i');
      log('leaving the model; added per-token latency = the server\'s − the baseline\'s median for the same index');
    }
    log(`total ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return 0;
  } finally {
    clearTimeout(timer);
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
