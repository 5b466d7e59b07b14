// `npm start` end to end, as a newcomer runs it: the embedded stack comes up on its own, the banner shows
// the URLs and (once) the admin token, Ctrl-C stops every process, and a second start keeps the data.
// Needs the toolchain built (.tools/bin, ~/.cache/coco-durable-server) and Redis; not the test stack.
import { execFileSync } from 'node:child_process';
import { expectNothingLeft, killGroup, READY_TIMEOUT_MS, type Run, startApp as startNpm, STOP_TIMEOUT_MS, stopApp, waitForBanner } from '../helpers/npm-start';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PORTS = { api: 19400, ws: 12940, temporal: 17940, ui: 18940, ferret: 37940, redis: 16940, postgres: 15940 };
const api = `http://127.0.0.1:${PORTS.api}`;
const startApp = (dataDir: string) => startNpm(dataDir, PORTS);

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
    expectNothingLeft(run!, dataDir, PORTS);
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
    expectNothingLeft(run, dataDir, PORTS);
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
    expectNothingLeft(run, dataDir, PORTS);
    expect(run.output()).toContain('[start] stopped');
    expect(run.output()).not.toContain('Coco server ready');
  }, READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 20_000);
});
