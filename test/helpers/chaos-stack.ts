// The whole system as separate OS processes, for fault-injection tests: Temporal (file store), FerretDB on
// PostgreSQL, Redis (append-only file), API instances and workers, each on fixed ports and data of its own, so any of
// them can be stopped, killed, paused or restarted in the middle of a reply and come back with its state.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { initPostgres, POSTGRES_STOP_SIGNAL, postgresArgs, postgresBinaries, postgresSpawnUser, postgresUrl } from '../../scripts/lib/postgres';
import { ferretArgs, redisAnswers, redisArgs, redisServerPath, TEMPORAL_ENV, temporalArgs, temporalServing } from '../../scripts/lib/stack';
import { ensureFerretDB, ensureTemporal } from '../../scripts/lib/toolchain';
import type { WsClient } from './chat-env';
import { ApiService } from './chaos/api';
import type { JsonResponse, NdjsonStream } from './chaos/client';
import { Service, ServiceSpec } from './chaos/service';

export { ApiService } from './chaos/api';
export { Service } from './chaos/service';
export type { ExitRecord } from './chaos/service';
export type { JsonResponse, NdjsonStream, TimedLine } from './chaos/client';

const root = path.resolve(__dirname, '..', '..');

export interface ChaosStackOptions {
  /**
   * Ports, all fixed (below 32768, out of the range the kernel hands out to outgoing connections):
   * Temporal base, FerretDB base+1, Redis base+2, PostgreSQL base+3, API i base+10+2i with its WebSocket port base+11+2i.
   */
  base?: number;
  /** The model the built-in provider is seeded with at the first API start. */
  llm: { url: string; model?: string; apiKey?: string };
  apis?: number;
  workers?: number;
  /** For every API and worker process (per-process env: addApi / addWorker). */
  env?: Record<string, string>;
}

export interface ChaosStack {
  /** Temp dir: data, and one log file per service under logs/. */
  dir: string;
  token: string;
  temporal: Service;
  ferret: Service;
  /** The PostgreSQL under FerretDB, as the embedded stack runs it. */
  postgres: Service;
  redis: Service;
  apis: ApiService[];
  workers: Service[];
  api(i?: number): ApiService;
  worker(i?: number): Service;
  addApi(env?: Record<string, string>): Promise<ApiService>;
  addWorker(env?: Record<string, string>): Promise<Service>;
  /** Through API 0. */
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<JsonResponse<T>>;
  postNdjson(path: string, body: unknown, headers?: Record<string, string>): Promise<NdjsonStream>;
  connectWs(api?: number): Promise<WsClient>;
  /** Freezes the service for `ms` (SIGSTOP), then lets it go on (SIGCONT). */
  outage(service: Service, ms: number): Promise<void>;
  all(): Service[];
  /** Stops every process (SIGTERM, then SIGKILL) and removes the temp dir; idempotent, never throws. */
  stop(): Promise<void>;
}

export const DEFAULT_BASE_PORT = 21000;

export async function startChaosStack(opts: ChaosStackOptions): Promise<ChaosStack> {
  const base = opts.base ?? DEFAULT_BASE_PORT;
  const [temporalBin, ferretBin] = await Promise.all([tool('temporal', ensureTemporal), tool('ferretdb', ensureFerretDB)]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-chaos-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL, unprivileged when we are root, reaches its data dir inside
  fs.mkdirSync(path.join(dir, 'logs'));
  const logFile = (name: string) => path.join(dir, 'logs', `${name}.log`);
  const ports = { temporal: base, ferret: base + 1, redis: base + 2, postgres: base + 3 };
  const token = randomBytes(24).toString('hex');

  const temporal = new Service({
    name: 'temporal',
    ports: [ports.temporal],
    command: temporalBin,
    args: temporalArgs({ port: ports.temporal, uiPort: null, dbFile: path.join(dir, 'temporal.db') }),
    env: { ...process.env, ...TEMPORAL_ENV },
    logFile: logFile('temporal'),
    ready: () => temporalServing(`127.0.0.1:${ports.temporal}`),
    readyTimeoutMs: 60_000,
  });
  const pgBins = postgresBinaries();
  const pgDir = path.join(dir, 'postgres');
  initPostgres(pgBins, pgDir, () => undefined);
  const postgres = new Service({
    name: 'postgres',
    ports: [ports.postgres],
    command: pgBins.postgres,
    args: postgresArgs({ port: ports.postgres, dir: pgDir }),
    env: process.env,
    ...postgresSpawnUser(),
    stopSignal: POSTGRES_STOP_SIGNAL,
    logFile: logFile('postgres'),
    ready: async (out) => out.includes('ready to accept connections'),
    readyTimeoutMs: 30_000,
  });
  const ferret = new Service({
    name: 'ferretdb',
    ports: [ports.ferret],
    command: ferretBin,
    args: ferretArgs({ port: ports.ferret, dir: path.join(dir, 'ferretdb'), postgresUrl: postgresUrl(ports.postgres) }),
    env: process.env,
    logFile: logFile('ferretdb'),
    ready: () => mongoAnswers(`mongodb://127.0.0.1:${ports.ferret}/coco`),
    readyTimeoutMs: 30_000,
  });
  const redis = new Service({
    name: 'redis',
    ports: [ports.redis],
    command: redisServerPath(),
    args: redisArgs({ port: ports.redis, dir: path.join(dir, 'redis') }),
    env: process.env,
    logFile: logFile('redis'),
    ready: () => redisAnswers(`redis://127.0.0.1:${ports.redis}`),
    readyTimeoutMs: 20_000,
  });

  const sharedEnv: Record<string, string> = {
    MONGODB_URI: `mongodb://127.0.0.1:${ports.ferret}/coco`,
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
    TEMPORAL_TASK_QUEUE: 'coco-chaos',
    COCO_REDIS_PREFIX: 'chaos:',
    COCO_ADMIN_TOKEN: token,
    COCO_LLM_BASE_URL: opts.llm.url,
    COCO_LLM_MODEL: opts.llm.model ?? 'test-model',
    COCO_LLM_API_KEY: opts.llm.apiKey ?? 'sk-chaos-0123456789abcdef',
    COCO_DATA_DIR: dir,
    // info at least: a worker is ready when it logs "worker running"
    LOG_LEVEL: 'info',
    ...opts.env,
  };
  const nodeSpec = (name: string, entry: string, env: Record<string, string>, ports: number[] = []): Omit<ServiceSpec, 'ready'> => ({
    name,
    ports,
    // node with tsx's loader, not the tsx wrapper: a signal must reach the server itself.
    command: process.execPath,
    args: ['--import', 'tsx', entry],
    cwd: root,
    env: { ...process.env, ...sharedEnv, ...env },
    logFile: logFile(name),
    // A cold worker compiles and bundles the workflows: ~8 s here, over 20 s on a busy machine.
    readyTimeoutMs: 120_000,
  });

  const apis: ApiService[] = [];
  const workers: Service[] = [];
  const newApi = (env: Record<string, string>): ApiService => {
    const port = base + 10 + 2 * apis.length;
    const portEnv = { COCO_API_PORT: String(port), COCO_WS_PORT: String(port + 1) };
    const spec = nodeSpec(`api-${apis.length}`, 'src/server.ts', { ...portEnv, ...env }, [port, port + 1]);
    const api = new ApiService(spec, port, port + 1, token);
    apis.push(api);
    return api;
  };
  const newWorker = (env: Record<string, string>): Service => {
    const ready = async (out: string) => out.includes('worker running');
    const worker = new Service({ ...nodeSpec(`worker-${workers.length}`, 'src/worker.ts', env), ready });
    workers.push(worker);
    return worker;
  };
  const all = () => [...apis, ...workers, temporal, ferret, postgres, redis];

  let stopping: Promise<void> | undefined;
  const stack: ChaosStack = {
    dir,
    token,
    temporal,
    ferret,
    postgres,
    redis,
    apis,
    workers,
    api: (i = 0) => apis[i] ?? fail(`no API ${i} (there are ${apis.length})`),
    worker: (i = 0) => workers[i] ?? fail(`no worker ${i} (there are ${workers.length})`),
    addApi: (env = {}) => started(apis, newApi(env)),
    addWorker: (env = {}) => started(workers, newWorker(env)),
    request: (method, p, body, headers) => stack.api(0).request(method, p, body, headers),
    postNdjson: (p, body, headers) => stack.api(0).postNdjson(p, body, headers),
    connectWs: (i = 0) => stack.api(i).connectWs(),
    async outage(service, ms) {
      service.pause();
      try {
        await new Promise((r) => setTimeout(r, ms));
      } finally {
        if (service.alive) service.resume();
      }
    },
    all,
    stop() {
      stopping ??= (async () => {
        // The clients first, so they do not log a storm of errors about the services going away.
        await Promise.all([...apis, ...workers].map((s) => s.dispose()));
        await Promise.all([temporal, ferret, redis].map((s) => s.dispose()));
        await postgres.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };

  try {
    await Promise.all([temporal.start(), postgres.start().then(() => ferret.start()), redis.start()]);
    // API 0 alone first: it seeds the database (admin token, built-in provider and assistants).
    await stack.addApi();
    await Promise.all([
      ...Array.from({ length: (opts.apis ?? 1) - 1 }, () => stack.addApi()),
      ...Array.from({ length: opts.workers ?? 1 }, () => stack.addWorker()),
    ]);
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

/** A process that failed to start is no part of the stack (its ports are handed out again). */
async function started<S extends Service>(list: S[], service: S): Promise<S> {
  try {
    await service.start();
    return service;
  } catch (err) {
    list.splice(list.indexOf(service), 1);
    throw err;
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/** The built binary; built (slowly, once) only when missing, since linking it again races a concurrent `npm test`. */
async function tool(name: string, ensure: (log: (line: string) => void) => Promise<string>): Promise<string> {
  const linked = path.join(root, '.tools', 'bin', name);
  return fs.existsSync(linked) ? linked : ensure((line) => process.stderr.write(`[chaos] ${line}\n`));
}

async function mongoAnswers(uri: string): Promise<boolean> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 1000 });
  try {
    await connection.asPromise();
    await connection.db!.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
