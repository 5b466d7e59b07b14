// `npm start` keeps its API and worker running: a child killed with SIGKILL is restarted while the rest
// of the stack keeps running, a reply in flight still ends, a crash loop stops everything, and Ctrl-C
// while a restart is pending starts nothing more. Real processes only (the children are found with ps).
// Needs the toolchain built (.tools/bin, ~/.cache/coco-durable-server) and Redis; not the test stack.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUMMARY_PROMPT, TITLE_PROMPT } from '../../src/activities/followups';
import { FakeLlm, RecordedRequest, startFakeLlm, tokensOf } from '../helpers/fake-llm';

jest.setTimeout(300_000);

const root = path.resolve(__dirname, '..', '..');

// Ports of this file alone, so it can run next to start.test.ts.
const PORTS = { api: 19500, ws: 12950, temporal: 17950, ui: 18950, ferret: 27950, redis: 16950, postgres: 15950 };
const api = `http://127.0.0.1:${PORTS.api}`;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
/** How long a restarted child may take to serve again (a worker bundles its workflows first: ~12 s here). */
const SERVE_AGAIN_MS = 30_000;
/** A chat reply, including a worker restart and Temporal retrying the step the dead worker held. */
const CHAT_TIMEOUT_MS = 90_000;
const WORKER = 'src/worker.ts';
const SERVER = 'src/server.ts';

type Exit = { code: number | null; signal: NodeJS.Signals | null };

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<Exit>;
}

function startApp(dataDir: string, llm: FakeLlm): Run {
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
    COCO_LLM_BASE_URL: llm.url,
    COCO_LLM_MODEL: 'test-model',
    COCO_LLM_API_KEY: 'sk-test',
    // For the worker's "worker running" line: a restarted worker takes its turns only from then on.
    LOG_LEVEL: 'info',
  };
  for (const key of ['MONGODB_URI', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'COCO_ADMIN_TOKEN', 'COCO_HOST', 'COCO_PUBLIC_URL']) delete env[key];

  // Its own process group (as a terminal's foreground job), so a signal can reach all of it like Ctrl-C.
  const child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, run?: Run): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s${run ? `\n--- output (end) ---\n${run.output().slice(-3000)}` : ''}`);
    await sleep(20);
  }
}

async function waitForBanner(run: Run): Promise<string> {
  let exited = false;
  void run.exited.then(() => (exited = true));
  return until(
    'the "Coco server ready" banner',
    () => {
      const out = run.output();
      const at = out.indexOf('Coco server ready');
      const end = at >= 0 ? out.indexOf('Press Ctrl-C to stop.', at) : -1;
      if (end >= 0) return out.slice(at, end);
      if (exited) throw new Error(`npm start exited before it was ready:\n${out}`);
      return undefined;
    },
    READY_TIMEOUT_MS,
    run,
  );
}

async function waitForExit(run: Run, timeoutMs = STOP_TIMEOUT_MS): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`npm start did not exit within ${timeoutMs / 1000}s:\n${run.output()}`)), timeoutMs);
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function killGroup(run: Run): void {
  try {
    process.kill(-run.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

interface Proc {
  pid: number;
  pgid: number;
  args: string;
}

/** Live processes (zombies, already exited and waiting to be reaped, do not count). */
function processes(): Proc[] {
  const ps = execFileSync('ps', ['-eo', 'pid,pgid,stat,args'], { encoding: 'utf8' });
  return ps
    .split('\n')
    .slice(1)
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => !!m && !m[3]!.startsWith('Z') && Number(m[1]) !== process.pid)
    .map((m) => ({ pid: Number(m[1]), pgid: Number(m[2]), args: m[4]! }));
}

/** The pids of npm start's API or worker child (`node --import tsx <entry>`, in npm start's process group). */
function childPids(run: Run, entry: string): number[] {
  return processes()
    .filter((p) => p.pgid === run.child.pid && p.args.includes(entry))
    .map((p) => p.pid);
}

function newChildPid(run: Run, entry: string, seen: Set<number>, timeoutMs = SERVE_AGAIN_MS): Promise<number> {
  return until(`a new ${entry} process`, () => childPids(run, entry).find((pid) => !seen.has(pid)), timeoutMs, run);
}

/** The worker with this pid logged that it runs (it polls Temporal: a chat sent now is taken). */
function workerRunning(run: Run, pid: number, timeoutMs = SERVE_AGAIN_MS): Promise<true> {
  const logged = (line: string) => line.includes(`"pid":${pid},`) && line.includes('"msg":"worker running"');
  return until(`worker ${pid} running`, () => run.output().split('\n').some(logged) || undefined, timeoutMs, run);
}

/** Processes left behind: in the run's process group, or naming its data dir or one of its ports. */
function expectNothingLeft(run: Run, dataDir: string): void {
  const ports = new RegExp(`\\b(${Object.values(PORTS).join('|')})\\b`);
  const left = processes().filter((p) => p.pgid === run.child.pid || p.args.includes(dataDir) || ports.test(p.args));
  if (left.length > 0) {
    throw new Error(`processes left after npm start exited:\n${left.map((p) => `${p.pid} ${p.args}`).join('\n')}\n--- output (end) ---\n${run.output().slice(-3000)}`);
  }
}

/** The output printed after `from` (an index into the output) contains `text`. */
function printedAfter(run: Run, from: number, text: string, timeoutMs = SERVE_AGAIN_MS): Promise<true> {
  return until(`"${text}" in the output`, () => run.output().slice(from).includes(text) || undefined, timeoutMs, run);
}

/** Sends a chat turn over NDJSON and reads every line of the reply; `onLine` sees them as they arrive. */
async function chat(token: string, message: string, onLine: (line: any) => void = () => undefined): Promise<any[]> {
  const res = await fetch(`${api}/chat/_create?assistant_id=default`, {
    method: 'POST',
    headers: { 'X-API-TOKEN': token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ message }),
    signal: AbortSignal.timeout(CHAT_TIMEOUT_MS),
  });
  expect(res.status).toBe(200);
  const lines: any[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const part of res.body!) {
    buffered += decoder.decode(part as Uint8Array, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      onLine(line);
    }
  }
  return lines;
}

/** Line 1 is the session; the rest are the reply's chunks, gap-free, ending with reply_end `completed`. */
function expectCompletedReply(lines: any[]): void {
  const chunks = lines.slice(1);
  expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i + 1));
  const end = chunks.at(-1);
  expect(end.chunk_type).toBe('reply_end');
  const reason = typeof end.message_chunk === 'string' ? JSON.parse(end.message_chunk) : end.message_chunk;
  expect(reason).toEqual({ reason: 'completed' });
  expect(chunks.some((c) => c.chunk_type === 'response')).toBe(true);
}

async function waitForHealthy(timeoutMs: number): Promise<void> {
  await until(
    'GET /health answering 200',
    async () => {
      try {
        const res = await fetch(`${api}/health`);
        await res.arrayBuffer();
        return res.status === 200 || undefined;
      } catch {
        return undefined; // not listening (yet)
      }
    },
    timeoutMs,
  );
}

const report = (line: string) => process.stdout.write(`[start-supervise] ${line}\n`);

describe('npm start supervises the API and the worker', () => {
  let dataDir: string;
  let llm: FakeLlm;
  let run: Run;
  const runs: Run[] = [];
  let token: string;
  /** Every worker pid seen in the first run: a "new" worker is one not in here. */
  const workerPids = new Set<number>();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-supervise-'));
    fs.chmodSync(dataDir, 0o755); // PostgreSQL runs as nobody when the tests run as root
    llm = await startFakeLlm();
    // Follow-up calls (title, summary) come after reply_end at their own pace: they never take a queued answer.
    const systemText = (r: RecordedRequest) => String(r.body?.messages?.[0]?.content ?? '');
    llm.routes.push({ match: (r) => [TITLE_PROMPT, SUMMARY_PROMPT].includes(systemText(r)), script: () => ({ tokens: tokensOf('A title') }) });
  });

  afterAll(async () => {
    // Whatever a failed test left running: everything npm start started stays in its process group.
    for (const r of runs) killGroup(r);
    await Promise.all(runs.map((r) => r.exited));
    await llm.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on a fresh data dir with the test model', async () => {
    run = startApp(dataDir, llm);
    runs.push(run);
    const banner = await waitForBanner(run);
    token = banner.match(/Admin token\s+([0-9a-f]{64})\b/)![1]!;
    for (const pid of childPids(run, WORKER)) workerPids.add(pid);
    expect(workerPids.size).toBe(1);
  });

  it('restarts a SIGKILLed worker, and chats work afterwards', async () => {
    const [oldPid] = [...workerPids];
    const from = run.output().length;
    const killedAt = Date.now();
    process.kill(oldPid!, 'SIGKILL');

    await printedAfter(run, from, `[start] ${WORKER} exited (SIGKILL); restarting in 0.5s (restart 1)`);
    const newPid = await newChildPid(run, WORKER, workerPids);
    workerPids.add(newPid);
    const respawnMs = Date.now() - killedAt;
    await workerRunning(run, newPid);
    const runningMs = Date.now() - killedAt;

    const lines = await chat(token, 'hi');
    expectCompletedReply(lines);
    report(`worker: new pid ${respawnMs} ms after SIGKILL, running after ${runningMs} ms, first chat completed after ${Date.now() - killedAt} ms`);
    // The rest kept running: the same API process, and nothing stopped.
    expect(childPids(run, SERVER)).toHaveLength(1);
    expect(run.output().slice(from)).not.toContain('stopping');
  });

  it('ends a reply that was in flight when the worker crashed, gap-free', async () => {
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    llm.queue.push({ tokens: tokensOf(words), delayMs: 30 });
    const [pid] = childPids(run, WORKER);
    const from = run.output().length;
    let responses = 0;
    let killedAt = 0;
    const lines = await chat(token, 'a long answer that survives a crash', (line) => {
      if (line.chunk_type === 'response' && ++responses === 20) {
        killedAt = Date.now();
        process.kill(pid!, 'SIGKILL');
      }
    });
    expect(killedAt).toBeGreaterThan(0);
    report(`worker: the reply in flight ended ${Date.now() - killedAt} ms after SIGKILL`);

    expect(run.output().slice(from)).toMatch(/\[start\] src\/worker\.ts exited \(SIGKILL\); restarting in [\d.]+s \(restart 2\)/);
    expectCompletedReply(lines);
    workerPids.add(await newChildPid(run, WORKER, workerPids));
  });

  it('restarts a SIGKILLed API, which answers /health again', async () => {
    const [pid] = childPids(run, SERVER);
    const from = run.output().length;
    const killedAt = Date.now();
    process.kill(pid!, 'SIGKILL');

    await printedAfter(run, from, `[start] ${SERVER} exited (SIGKILL); restarting in 0.5s (restart 1)`);
    await waitForHealthy(SERVE_AGAIN_MS);
    const servedMs = Date.now() - killedAt;
    report(`API: /health answered 200 ${servedMs} ms after SIGKILL`);
    expect(servedMs).toBeLessThan(SERVE_AGAIN_MS);
    expect(childPids(run, SERVER)).not.toContain(pid);
    expectCompletedReply(await chat(token, 'still there?'));
  });

  it('stops everything on Ctrl-C while a restart is pending, and starts nothing more', async () => {
    const [pid] = childPids(run, WORKER);
    const from = run.output().length;
    process.kill(pid!, 'SIGKILL');
    // The third crash of this worker: its restart waits 2 s, plenty of time to press Ctrl-C meanwhile.
    await until('the restart being scheduled', () => /src\/worker\.ts exited \(SIGKILL\); restarting in [\d.]+s \(restart 3\)/.test(run.output().slice(from)) || undefined, SERVE_AGAIN_MS, run);
    process.kill(-run.child.pid!, 'SIGINT');

    // Watch for a worker being started until well after the restart was due, and until npm start exited.
    const started: number[] = [];
    const watchUntil = Date.now() + 5000;
    let exited = false;
    void run.exited.then(() => (exited = true));
    while (Date.now() < watchUntil || !exited) {
      started.push(...childPids(run, WORKER).filter((p) => !workerPids.has(p)));
      if (Date.now() > watchUntil + STOP_TIMEOUT_MS) throw new Error(`npm start did not exit after Ctrl-C:\n${run.output()}`);
      await sleep(20);
    }
    expect(started).toEqual([]);
    expectNothingLeft(run, dataDir);
    const after = run.output().slice(from);
    expect(after.match(/src\/worker\.ts exited .*; restarting in/g)).toHaveLength(1);
    expect(after.split('\n').slice(-4)).toContain('[start] stopped');
  });

  it('stops everything, with exit code 1, when the worker crashes 5 times within 60 s', async () => {
    run = startApp(dataDir, llm);
    runs.push(run);
    await waitForBanner(run);
    const killed = new Set<number>();
    const startedAt = Date.now();
    for (let crash = 1; crash <= 5; crash++) {
      const pid = await newChildPid(run, WORKER, killed);
      process.kill(pid, 'SIGKILL');
      killed.add(pid);
    }
    const exit = await waitForExit(run);
    report(`crash loop: 5 kills and the stop took ${Date.now() - startedAt} ms`);

    expect(exit.code).toBe(1);
    const out = run.output();
    expect(out).toContain(`[start] ${WORKER} exited (SIGKILL); restarting in 4s (restart 4)`);
    expect(out).toContain(`[start] ${WORKER} crashed 5 times in 60s; stopping everything`);
    expect(out.split('\n').slice(-4)).toContain('[start] stopped');
    await sleep(3000); // time for a late-started child to show up
    expectNothingLeft(run, dataDir);
  });
});
