// `npm start` end to end, as a newcomer runs it: the embedded stack comes up on its own, the banner shows
// the URLs and (once) the admin token, Ctrl-C stops every process, and a second start keeps the data.
// Needs the toolchain built (.tools/bin, ~/.cache/coco-durable-server) and Redis; not the test stack.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

const PORTS = { api: 19400, ws: 12940, temporal: 17940, ui: 18940, ferret: 37940, redis: 16940, postgres: 15940 };
const api = `http://127.0.0.1:${PORTS.api}`;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startApp(dataDir: string): Run {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COCO_API_PORT: String(PORTS.api),
    COCO_WS_PORT: String(PORTS.ws),
    COCO_TEMPORAL_PORT: String(PORTS.temporal),
    TEMPORAL_UI_PORT: String(PORTS.ui),
    COCO_FERRETDB_PORT: String(PORTS.ferret),
    COCO_REDIS_PORT: String(PORTS.redis),
    COCO_POSTGRES_PORT: String(PORTS.postgres),
    COCO_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  // A newcomer's shell: no external services, no provisioned token, default host and public URL.
  for (const key of ['MONGODB_URI', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'COCO_ADMIN_TOKEN', 'COCO_HOST', 'COCO_PUBLIC_URL']) delete env[key];
  for (const key of ['COCO_LLM_BASE_URL', 'COCO_LLM_API_KEY', 'COCO_LLM_MODEL']) delete env[key];

  // Its own process group (as a terminal's foreground job), so a signal can reach all of it like Ctrl-C.
  const child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => out, exited };
}

async function waitForBanner(run: Run): Promise<string> {
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

/** Ctrl-C: SIGINT to the whole foreground process group, then wait for npm to exit. */
async function stopApp(run: Run): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
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

function killGroup(run: Run | undefined): void {
  if (!run?.child.pid) return;
  try {
    process.kill(-run.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Processes left behind: in the run's process group, or naming its data dir or one of its ports. Zombies
 * (already exited, waiting for init to reap them) do not count.
 */
function leftovers(run: Run, dataDir: string): string[] {
  const ports = new RegExp(`\\b(${Object.values(PORTS).join('|')})\\b`);
  const ps = execFileSync('ps', ['-eo', 'pid,pgid,stat,args'], { encoding: 'utf8' });
  return ps
    .split('\n')
    .slice(1)
    .filter((line) => {
      const m = line.trim().match(/^(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/);
      if (!m) return false;
      const [, pid, pgid, stat, args] = m;
      if (Number(pid) === process.pid || stat!.startsWith('Z')) return false;
      return Number(pgid) === run.child.pid || args!.includes(dataDir) || ports.test(args!);
    });
}

/** Fails with what is left, and the end of the run's output (did start.ts get to "[start] stopped"?). */
function expectNothingLeft(run: Run, dataDir: string): void {
  const left = leftovers(run, dataDir);
  if (left.length > 0) {
    throw new Error(`processes left after npm start exited:\n${left.join('\n')}\n--- output (end) ---\n${run.output().slice(-3000)}`);
  }
}

interface Reply {
  status: number;
  body: { services?: unknown; _source?: { name?: string } } | undefined;
}

/** The node process that runs scripts/start.ts (under npm, sh and the tsx launcher). */
function startScriptPid(run: Run): number | undefined {
  const ps = execFileSync('ps', ['-eo', 'pid,pgid,args'], { encoding: 'utf8' });
  const mine = ps
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => !!m && Number(m[2]) === run.child.pid && m[3]!.includes('scripts/start.ts'))
    .filter((m) => !m[3]!.startsWith('sh '));
  // The launcher (`tsx scripts/start.ts`) runs the script in a child node process: take that one if seen.
  const target = mine.find((m) => m[3]!.includes('--import')) ?? mine[0];
  return target ? Number(target[1]) : undefined;
}

async function get(url: string, token?: string): Promise<Reply> {
  const res = await fetch(url, { headers: token ? { 'X-API-TOKEN': token } : {} });
  const text = await res.text();
  let body: Reply['body'];
  try {
    body = JSON.parse(text) as Reply['body'];
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

function bannerLine(banner: string, label: string): string {
  const line = banner.split('\n').find((l) => l.trim().startsWith(label));
  if (!line) throw new Error(`the banner has no "${label}" line:\n${banner}`);
  return line.trim();
}

describe('npm start', () => {
  let dataDir: string;
  let run: Run | undefined;
  const runs: Run[] = [];
  let token: string;
  let assistantId: string;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-start-'));
    fs.chmodSync(dataDir, 0o755); // PostgreSQL runs as nobody when the tests run as root
  });

  afterAll(async () => {
    // Whatever a failed test left running: everything npm start started stays in its process group.
    for (const r of runs) killGroup(r);
    await Promise.all(runs.map((r) => r.exited));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the whole stack on a fresh data dir and prints the URLs and a new admin token', async () => {
    run = startApp(dataDir);
    runs.push(run);
    const banner = await waitForBanner(run);

    expect(bannerLine(banner, 'API')).toMatch(new RegExp(`^API\\s+http://127\\.0\\.0\\.1:${PORTS.api}$`));
    expect(bannerLine(banner, 'WebSocket')).toMatch(new RegExp(`^WebSocket\\s+ws://127\\.0\\.0\\.1:${PORTS.ws}/ws\\b`));
    expect(bannerLine(banner, 'Temporal UI')).toMatch(new RegExp(`^Temporal UI\\s+http://127\\.0\\.0\\.1:${PORTS.ui}$`));
    const m = bannerLine(banner, 'Admin token').match(/^Admin token\s+([0-9a-f]{64})\b/);
    expect(m).not.toBeNull();
    token = m![1]!;
  }, READY_TIMEOUT_MS + 20_000);

  it('serves the API with every service healthy, behind the admin token, and the Temporal UI', async () => {
    const health = await get(`${api}/health`);
    expect(health.status).toBe(200);
    expect(health.body?.services).toEqual({ mongodb: { status: 'ok' }, redis: { status: 'ok' }, temporal: { status: 'ok' } });

    expect((await get(`${api}/assistant/default`, token)).status).toBe(200);
    expect((await get(`${api}/assistant/default`)).status).toBe(401);

    const ui = await fetch(`http://127.0.0.1:${PORTS.ui}/`);
    expect(ui.status).toBe(200);
    await ui.arrayBuffer();

    const created = await fetch(`${api}/assistant/`, {
      method: 'POST',
      headers: { 'X-API-TOKEN': token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'persisted' }),
    });
    expect(created.status).toBe(200);
    assistantId = ((await created.json()) as { _id: string })._id;
    expect(assistantId).toEqual(expect.any(String));
    // Temporal's store runs with a write-ahead log, the stack's Redis with an append-only file (see scripts/lib/stack.ts).
    expect(fs.existsSync(path.join(dataDir, 'temporal.db-wal'))).toBe(true);
    expect(fs.readdirSync(path.join(dataDir, 'redis', 'appendonlydir')).some((f) => f.endsWith('.aof'))).toBe(true);
  }, 30_000);

  it('stops every process it started on Ctrl-C', async () => {
    await stopApp(run!);
    expectNothingLeft(run!, dataDir);
    // start.ts itself finished its orderly stop (it was not cut short, e.g. killed by a wrapper).
    expect(run!.output().split('\n').slice(-4)).toContain('[start] stopped');
  }, STOP_TIMEOUT_MS + 10_000);

  it('starts again on the same data dir without showing a token, and keeps the data', async () => {
    run = startApp(dataDir);
    runs.push(run);
    const banner = await waitForBanner(run);
    const tokenLine = bannerLine(banner, 'Admin token');
    expect(tokenLine).not.toMatch(/[0-9a-f]{64}/);
    expect(tokenLine).not.toContain(token);

    const kept = await get(`${api}/assistant/${assistantId}`, token);
    expect(kept.status).toBe(200);
    expect(kept.body?._source?.name).toBe('persisted');

    await stopApp(run);
    expectNothingLeft(run, dataDir);
    expect(run.output().split('\n').slice(-4)).toContain('[start] stopped');
  }, READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 20_000);

  it('leaves nothing behind when stopped during start-up', async () => {
    // SIGTERM to start.ts alone (as `kill` or a process manager sends it) right after the stack is up, while
    // start.ts bootstraps the database and before it starts the API and the worker. Those two used to be
    // started after the signal when the bootstrap won the race against FerretDB stopping, and outlived
    // `npm start` (seen in about 1 run of 4; the test cannot force that timing).
    run = startApp(dataDir);
    runs.push(run);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!run.output().includes('[start] stack ready') && run.child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(run.output()).toContain('[start] stack ready');
    const startPid = startScriptPid(run);
    expect(startPid).toBeDefined();
    process.kill(startPid!, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      run.exited,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`npm start did not exit after SIGTERM:\n${run!.output()}`)), STOP_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    await new Promise((r) => setTimeout(r, 3000)); // time for a late-started child to show up
    expectNothingLeft(run, dataDir);
    expect(run.output()).toContain('[start] stopped');
    expect(run.output()).not.toContain('Coco server ready');
  }, READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 20_000);
});
