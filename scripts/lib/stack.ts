// Starts the embedded default stack: Temporal dev server, FerretDB, and (if needed) Redis.
// Services named by the environment (TEMPORAL_ADDRESS, MONGODB_URI) are used as they are, never started.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { createClient } from 'redis';
import { initPostgres, POSTGRES_STOP_SIGNAL, postgresArgs, postgresBinaries, postgresSpawnUser } from './postgres';
import { ensureFerretDB, ensureTemporal } from './toolchain';

type Log = (line: string) => void;

export const SEARCH_ATTRIBUTES = ['CocoSessionId=Keyword', 'CocoAssistantId=Keyword', 'CocoSummary=Keyword'];

export interface StackOptions {
  log: Log;
  dataDir: string;
  /**
   * null: an external Temporal is used. dbFile null keeps state in memory (tests). codecEndpoint: the
   * payload codec endpoint its UI decodes with (the API's /temporal/codec).
   */
  temporal: { port: number; uiPort: number | null; dbFile: string | null; bin?: string; codecEndpoint?: string } | null;
  /** FerretDB on the embedded PostgreSQL (`postgres`), or on SQLite files in `dir` (COCO_STORE=sqlite). */
  ferret: { port: number; dir: string; postgresUrl?: string } | null;
  /** The embedded PostgreSQL under FerretDB: its data directory and port. */
  postgres: { port: number; dir: string } | null;
  /** Our own redis-server on `port`; with `dir`, it keeps an append-only file there (fsync every second). */
  redis: { port: number; dir: string | null } | null;
  /** Checked to answer (the embedded one's URL, or an external Redis). */
  redisUrl: string;
}

export interface Stack {
  stop(): Promise<void>;
}

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** What stopping it sends first. */
  stopSignal: NodeJS.Signals;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const procs: Proc[] = [];
  const stop = async () => {
    await Promise.all(procs.reverse().map(stopProc));
  };
  try {
    fs.mkdirSync(path.join(opts.dataDir, 'logs'), { recursive: true });
    const [temporalBin, ferretBin] = await Promise.all([
      opts.temporal ? ensureTemporal(opts.log, opts.temporal.bin) : undefined,
      opts.ferret ? ensureFerretDB(opts.log) : undefined,
    ]);
    const waits: Promise<void>[] = [opts.redis ? startRedis(opts.redis, opts, procs) : expectRedis(opts.redisUrl)];
    if (opts.temporal && temporalBin) {
      const t = opts.temporal;
      await assertPortFree(t.port, 'Temporal', 'TEMPORAL_ADDRESS');
      procs.push(launch('temporal', temporalBin, temporalArgs(t), opts.dataDir, TEMPORAL_ENV));
      waits.push(waitFor('Temporal', () => temporalServing(`127.0.0.1:${t.port}`), procs.at(-1)!));
    }
    if (opts.postgres) {
      const pg = opts.postgres;
      await assertPortFree(pg.port, 'PostgreSQL', 'MONGODB_URI');
      const bins = postgresBinaries();
      initPostgres(bins, pg.dir, opts.log);
      const logFile = path.join(opts.dataDir, 'logs', 'postgres.log');
      const logged = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
      procs.push({ ...launch('postgres', bins.postgres, postgresArgs(pg), opts.dataDir, {}, postgresSpawnUser()), stopSignal: POSTGRES_STOP_SIGNAL });
      // FerretDB's first queries would fail while PostgreSQL is still starting up.
      await waitFor('PostgreSQL', async () => logSays(logFile, logged, 'ready to accept connections'), procs.at(-1)!, 60_000);
    }
    if (opts.ferret && ferretBin) {
      const f = opts.ferret;
      await assertPortFree(f.port, 'FerretDB', 'MONGODB_URI');
      procs.push(launch('ferretdb', ferretBin, ferretArgs(f), opts.dataDir));
      waits.push(waitFor('FerretDB', () => tcpOpen(f.port), procs.at(-1)!));
    }
    await Promise.all(waits);
    return { stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The dev server's flags; a `dbFile` keeps its state across restarts. Its UI has no login: it listens on
 * 127.0.0.1 only, and shows chat payloads decoded by the API's codec endpoint (admins only) when one is given.
 */
export function temporalArgs(t: { port: number; uiPort: number | null; dbFile: string | null; codecEndpoint?: string }): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(t.port), '--log-level', 'warn'];
  args.push(...(t.uiPort === null ? ['--headless'] : ['--ui-ip', '127.0.0.1', '--ui-port', String(t.uiPort)]));
  if (t.uiPort !== null && t.codecEndpoint) args.push('--ui-codec-endpoint', t.codecEndpoint);
  if (t.dbFile) {
    // A write-ahead log synced at checkpoints rather than at every commit: each workflow task of a reply
    // commits, and this takes the step round trip from ~16 to ~12 ms (as fast as the in-memory store).
    // A process crash loses nothing; a power cut may lose the last moments.
    args.push('--db-filename', t.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', sa);
  args.push('--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true');
  // The dev server's default task-dispatch poll limit (20/s) adds 30-40 ms to every step once chats
  // are busy; a chat reply is a chain of short steps, so lift it.
  args.push('--dynamic-config-value', 'history.transferProcessorMaxPollRPS=10000');
  args.push('--dynamic-config-value', 'history.timerProcessorMaxPollRPS=10000');
  // Eager activities: the next step starts with the workflow task's completion, without a poll.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  return args;
}

export const TEMPORAL_ENV = { TEMPORAL_VERSION_CHECK_DISABLED: '1' };

/** FerretDB's flags: on PostgreSQL when given its URL, else on SQLite files in `dir` (created here). */
export function ferretArgs(f: { port: number; dir: string; postgresUrl?: string }): string[] {
  const listen = ['--listen-addr', `127.0.0.1:${f.port}`];
  if (f.postgresUrl) return [...listen, '--handler', 'postgresql', '--postgresql-url', f.postgresUrl];
  fs.mkdirSync(f.dir, { recursive: true });
  const sqliteUrl = `file:${f.dir.endsWith('/') ? f.dir : f.dir + '/'}`;
  return [...listen, '--sqlite-url', sqliteUrl];
}

function launch(name: string, bin: string, args: string[], dataDir: string, env: Record<string, string> = {}, user: { uid?: number; gid?: number } = {}): Proc {
  const logFile = path.join(dataDir, 'logs', `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  // Same process group as us: a Ctrl-C in the terminal reaches the children too.
  const child = spawn(bin, args, { stdio: ['ignore', out, out], env: { ...process.env, ...env }, ...user });
  fs.closeSync(out);
  return { name, child, logFile, stopSignal: 'SIGTERM' };
}

function stopProc(p: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    const killer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
    p.child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    p.child.kill(p.stopSignal);
  });
}

async function waitFor(name: string, ready: () => Promise<boolean>, proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${name} exited with ${proc.child.signalCode ?? `code ${proc.child.exitCode}`}; see ${proc.logFile}:\n${tailOf(proc.logFile)}`);
    }
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} was not ready after ${timeoutMs / 1000}s; see ${proc.logFile}`);
}

/** Whether what `file` got after its first `from` bytes contains `text`. */
function logSays(file: string, from: number, text: string): boolean {
  try {
    return fs.readFileSync(file).subarray(from).toString('utf8').includes(text);
  } catch {
    return false;
  }
}

function tailOf(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function assertPortFree(port: number, name: string, envVar: string): Promise<void> {
  if (await tcpOpen(port)) {
    throw new Error(
      `port ${port} is already in use, so the embedded ${name} cannot start. Stop what holds it ` +
        `(perhaps an earlier stack), or set ${envVar} to use that service instead.`,
    );
  }
}

export async function temporalServing(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    const res = await connection.healthService.check({});
    return res.status === 1; // SERVING
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export async function redisAnswers(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    if (client.isOpen) await client.quit().catch(() => undefined);
  }
}

/** An external Redis (REDIS_URL) must answer; it is never started here. */
async function expectRedis(url: string): Promise<void> {
  if (!(await redisAnswers(url))) throw new Error(`Redis does not answer at ${url} (REDIS_URL). Start it, or unset REDIS_URL to let the stack run its own.`);
}

/**
 * The stack's own Redis. The reply logs live here: with `dir` it writes an append-only file and syncs it
 * every second, so a restart keeps the replies being streamed (a crash loses at most the last second).
 */
async function startRedis(r: { port: number; dir: string | null }, opts: StackOptions, procs: Proc[]): Promise<void> {
  const server = redisServerPath();
  await assertPortFree(r.port, 'Redis', 'REDIS_URL');
  procs.push(launch('redis', server, redisArgs(r), opts.dataDir));
  await waitFor('Redis', () => redisAnswers(`redis://127.0.0.1:${r.port}`), procs.at(-1)!, 20_000);
}

export function redisServerPath(): string {
  const server = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p));
  if (!server) {
    throw new Error('redis-server is not installed: install it (e.g. apt-get install redis-server), or set REDIS_URL to a running Redis.');
  }
  return server;
}

export function redisArgs(r: { port: number; dir: string | null }): string[] {
  const args = ['--bind', '127.0.0.1', '--port', String(r.port), '--save', ''];
  if (!r.dir) return [...args, '--appendonly', 'no'];
  fs.mkdirSync(r.dir, { recursive: true });
  return [...args, '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', r.dir];
}
