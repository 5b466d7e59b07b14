// The chaos harness on real processes: each control (restart, stop, kill, start, pause/resume, one more
// API) does what it says, and a chat still ends with reply_end after each. How long every service took to
// answer, and how long until a chat completed again after each restart, is printed at the end.
import { execFileSync } from 'node:child_process';
import { tcpOpen } from '../../scripts/lib/stack';
import { ApiService, ChaosStack, startChaosStack, TimedLine } from '../helpers/chaos-stack';
import { isTitleRequest } from '../helpers/chat-env';
import { FakeLlm, lastUserText, startFakeLlm, tokensOf } from '../helpers/fake-llm';

const BASE = 21000;
/** Measured under half a second after each (see the printed timings); the bounds leave room for a slow machine. */
const RECOVERY_BOUND_MS = { redis: 20_000, ferret: 20_000, temporal: 45_000, worker: 20_000 };

let llm: FakeLlm;
let stack: ChaosStack;
const timings: string[] = [];
const note = (line: string) => timings.push(line);

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.routes.push({ match: isTitleRequest, script: () => ({ tokens: tokensOf('A title') }) });
  const started = Date.now();
  stack = await startChaosStack({ base: BASE, llm: { url: llm.url } });
  note(`stack ready in ${Date.now() - started} ms (${stack.all().map((s) => `${s.name} ${s.readyMs} ms`).join(', ')})`);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await llm?.close();
  process.stdout.write(`\nchaos harness timings:\n  ${timings.join('\n  ')}\n`);
});

const endOf = (lines: TimedLine[]) => lines.at(-1)?.value;

async function chat(api: ApiService = stack.api(0)): Promise<TimedLine[]> {
  const reply = await api.postNdjson('/chat/_create?assistant_id=default', { message: 'hi' });
  expect(reply.status).toBe(200);
  const lines = await reply.done;
  expect(endOf(lines)).toMatchObject({ chunk_type: 'reply_end' });
  expect(JSON.parse(endOf(lines).message_chunk)).toEqual({ reason: 'completed' });
  return lines;
}

/**
 * Chats until one completes, from the moment the restarted service answers: the clients reconnect on their
 * own, so the first attempts may fail. Says how long that took and what failed meanwhile.
 */
async function chatWithin(boundMs: number): Promise<string> {
  const from = Date.now();
  const failures: string[] = [];
  while (Date.now() - from < boundMs) {
    try {
      const reply = await stack.postNdjson('/chat/_create?assistant_id=default', { message: 'hi' });
      const timer = setTimeout(() => reply.abort(), Math.max(1000, boundMs - (Date.now() - from)));
      const lines = await reply.done.finally(() => clearTimeout(timer));
      const end = endOf(lines);
      if (reply.status === 200 && end?.chunk_type === 'reply_end' && JSON.parse(end.message_chunk).reason === 'completed') {
        const ms = Date.now() - from;
        return `a chat completed ${ms} ms later` + (failures.length ? ` after ${failures.length} failed attempt(s): ${failures.join('; ')}` : ' (first attempt)');
      }
      failures.push(`${reply.status} ${JSON.stringify(end).slice(0, 200)}`);
    } catch (err) {
      failures.push((err as Error).message);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no chat completed within ${boundMs} ms: ${failures.join('; ')}`);
}

it('a chat through the stack ends with reply_end', async () => {
  const lines = await chat();
  expect(lines.filter((l) => l.value.chunk_type === 'response').map((l) => l.value.message_chunk).join('')).toBe('Hello from the test model.');
}, 60_000);

it('a paused worker stalls the reply, which completes once it is resumed', async () => {
  const slow = { tokens: tokensOf(Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')), delayMs: 100 };
  // The answering prompt wraps the user's text in the assistant's template.
  llm.fallback = (req) => (lastUserText(req).includes('slowly') ? slow : { tokens: tokensOf('Hello from the test model.') });
  const reply = await stack.postNdjson('/chat/_create?assistant_id=default', { message: 'slowly' });
  await reply.waitFor((v) => v.chunk_type === 'response' && v.message_chunk !== '');
  const pausedAt = Date.now();
  await stack.outage(stack.worker(0), 3000);
  const lines = await reply.done;
  expect(endOf(lines.filter((l) => l.at <= pausedAt))).not.toMatchObject({ chunk_type: 'reply_end' }); // paused mid-reply
  expect(JSON.parse(endOf(lines).message_chunk)).toEqual({ reason: 'completed' });
  expect(lines.filter((l) => l.value.chunk_type === 'response').map((l) => l.value.message_chunk).join('')).toBe(slow.tokens.join(''));
  const longestGap = Math.max(...lines.slice(1).map((l, i) => l.at - lines[i]!.at));
  expect(longestGap).toBeGreaterThanOrEqual(2500);
  note(`worker paused 3000 ms mid-reply: the longest gap between lines was ${longestGap} ms; the reply completed`);
}, 60_000);

it.each(['redis', 'ferret', 'temporal'] as const)('after a restart of %s a new chat completes', async (name) => {
  const service = stack[name];
  const pid = service.pid;
  const started = Date.now();
  await service.restart();
  const restartMs = Date.now() - started;
  expect(service.alive).toBe(true);
  expect(service.pid).not.toBe(pid);
  expect(service.exits.at(-1)).toMatchObject({ pid, requested: true });
  expect(service.exits.at(-1)!.signal).not.toBe('SIGKILL'); // it stopped on SIGTERM, within the bound
  const chatted = await chatWithin(RECOVERY_BOUND_MS[name]);
  note(`${service.name}: stopped in ${restartMs - service.readyMs!} ms, answered ${service.readyMs} ms after its start; ${chatted}`);
  // The API and the worker rode it out: neither exited.
  expect([...stack.apis, ...stack.workers].every((s) => s.alive)).toBe(true);
}, 120_000);

it('a worker killed with SIGKILL and started again takes chats', async () => {
  const worker = stack.worker(0);
  const pid = worker.pid;
  await worker.kill();
  expect(worker.alive).toBe(false);
  expect(worker.pid).toBeUndefined();
  expect(worker.exits.at(-1)).toMatchObject({ pid, signal: 'SIGKILL', requested: true });
  expect(() => process.kill(pid!, 0)).toThrow(); // the process is really gone
  await worker.start();
  note(`worker: killed with SIGKILL, answered ${worker.readyMs} ms after its start; ${await chatWithin(RECOVERY_BOUND_MS.worker)}`);
}, 120_000);

it('a process that exits during start fails its start() with its output', async () => {
  await expect(stack.addWorker({ COCO_CHAT_ADMISSION_MS: '5' })).rejects.toThrow(/worker-1 exited during start \(code 1\).*COCO_CHAT_ADMISSION_MS/s);
  expect(stack.workers).toHaveLength(1);
}, 60_000);

it('a second API instance serves chats, over NDJSON and the WebSocket', async () => {
  const started = Date.now();
  const second = await stack.addApi();
  note(`api-1: started in ${Date.now() - started} ms`);
  expect(second.port).toBe(BASE + 12);
  await chat(second);

  const ws = await second.connectWs();
  try {
    const res = await second.request('POST', '/chat/_new?assistant_id=default', { message: 'over the socket' }, { 'WEBSOCKET-SESSION-ID': ws.id });
    expect(res.status).toBe(200);
    const chunks = await ws.replyEnded(res.body.payload.id, 30_000);
    expect(JSON.parse(chunks.at(-1)!.message_chunk)).toEqual({ reason: 'completed' });
  } finally {
    ws.close();
  }
}, 120_000);

it('stop() leaves no process and no listening port behind, and can be called again', async () => {
  const pids = stack.all().map((s) => s.pid);
  expect(pids.every((p) => typeof p === 'number')).toBe(true);
  const ports = [BASE, BASE + 1, BASE + 2, ...stack.apis.flatMap((a) => [a.port, a.wsPort])];
  const started = Date.now();
  await stack.stop();
  note(`stack.stop() took ${Date.now() - started} ms`);
  await stack.stop();

  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  const left = ps.filter((line) => {
    const [pid, ...args] = line.trim().split(/\s+/);
    return pids.includes(Number(pid)) || args.join(' ').includes(stack.dir) || ports.some((p) => args.join(' ').includes(`:${p}`));
  });
  expect(left).toEqual([]);
  for (const port of ports) expect(await tcpOpen(port)).toBe(false);
  expect(stack.all().every((s) => !s.alive)).toBe(true);
  await expect(stack.redis.start()).rejects.toThrow(/stopped/);
}, 60_000);
