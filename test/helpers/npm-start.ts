// `npm start` as a newcomer runs it, for the tests that start the whole product: in its own process group
// (as a terminal's foreground job) on ports of the test's own, with its output captured.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
export const READY_TIMEOUT_MS = 120_000;
export const STOP_TIMEOUT_MS = 30_000;

export interface StartPorts {
  api: number;
  ws: number;
  temporal: number;
  ui: number;
  ferret: number;
  redis: number;
  postgres: number;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<Exit>;
}

/** A fresh data directory, which PostgreSQL (run as nobody when the tests run as root) can reach. */
export function freshDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** `npm start` on `dataDir`: no external services, no provisioned token, default host and URL, plus `env`. */
export function startApp(dataDir: string, ports: StartPorts, env: Record<string, string> = {}): Run {
  const all: NodeJS.ProcessEnv = {
    ...process.env,
    COCO_API_PORT: String(ports.api),
    COCO_WS_PORT: String(ports.ws),
    COCO_TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    COCO_FERRETDB_PORT: String(ports.ferret),
    COCO_REDIS_PORT: String(ports.redis),
    COCO_POSTGRES_PORT: String(ports.postgres),
    COCO_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  for (const key of ['MONGODB_URI', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'COCO_ADMIN_TOKEN', 'COCO_HOST', 'COCO_PUBLIC_URL', 'COCO_STORE']) delete all[key];
  for (const key of ['COCO_LLM_BASE_URL', 'COCO_LLM_API_KEY', 'COCO_LLM_MODEL']) delete all[key];
  const child = spawn('npm', ['start'], { cwd: root, env: { ...all, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

/** The banner, once `npm start` printed it. */
export async function waitForBanner(run: Run): Promise<string> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    const out = run.output();
    const at = out.indexOf('Coco server ready');
    if (at >= 0 && out.indexOf('Press Ctrl-C to stop.', at) >= 0) return out.slice(at, out.indexOf('Press Ctrl-C to stop.', at));
    if (exited) throw new Error(`npm start exited before it was ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no "Coco server ready" within ${READY_TIMEOUT_MS / 1000}s:\n${run.output()}`);
}

/** Ctrl-C: SIGINT to the whole process group, then its exit. */
export async function stopApp(run: Run): Promise<Exit> {
  process.kill(-run.child.pid!, 'SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`npm start did not exit within ${STOP_TIMEOUT_MS / 1000}s of SIGINT:\n${run.output()}`)), STOP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function killGroup(run: Run | undefined): void {
  if (!run?.child.pid) return;
  try {
    process.kill(-run.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Processes left behind: in the run's process group, or naming its data dir or one of its ports. */
export function expectNothingLeft(run: Run, dataDir: string, ports: StartPorts): void {
  const portPattern = new RegExp(`\\b(${Object.values(ports).join('|')})\\b`);
  const left = execFileSync('ps', ['-eo', 'pid,pgid,stat,args'], { encoding: 'utf8' })
    .split('\n')
    .slice(1)
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => !!m && !m[3]!.startsWith('Z') && Number(m[1]) !== process.pid)
    .filter((m) => Number(m[2]) === run.child.pid || m[4]!.includes(dataDir) || portPattern.test(m[4]!));
  if (left.length > 0) {
    throw new Error(`processes left after npm start exited:\n${left.map((m) => m[0]).join('\n')}\n--- output (end) ---\n${run.output().slice(-3000)}`);
  }
}
