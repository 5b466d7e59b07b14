// Workers SIGKILLed in the middle of an answer, on real processes: the answer goes on on another worker
// (one already running, or one started after the kill) in the provider's continuation convention, with
// the model behaving as real providers do; and a session whose worker died answers its next message at once.
import { Client, Connection } from '@temporalio/client';
import { workflowIdForSession } from '../../src/shared/chat';
import { ChaosStack, NdjsonStream, Service, startChaosStack } from '../helpers/chaos-stack';
import { isSummaryRequest, isTitleRequest } from '../helpers/chat-env';
import { Convention, FakeLlm, startFakeLlm, tokensOf } from '../helpers/fake-llm';
import { answerTokens, expectNextMessageAnswered, expectReply, longAnswer, note, nthToken, printFigures, scenario, sleep, untilReplyEnd } from './assert-reply';

const BASE = 22000;
/** ~150 tokens at 40 ms: the kill lands 60 tokens (2.4 s) into a 6 s answer. */
const DELAY_MS = 40;
const KILL_AT = 60;
/** Temporal notices a dead worker's answer by its heartbeat timeout (6 s), then retries it after 0.5 s. */
const FAILOVER_BOUND_MS = 10_000;

let llm: FakeLlm;
let stack: ChaosStack;
let connection: Connection;
let temporal: Client;

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.routes.push({ match: isTitleRequest, script: () => ({ tokens: tokensOf('A title') }) });
  llm.routes.push({ match: isSummaryRequest, script: () => ({ tokens: tokensOf('A summary.') }) });
  stack = await startChaosStack({ base: BASE, llm: { url: llm.url }, workers: 2 });
  connection = await Connection.connect({ address: `127.0.0.1:${BASE}` });
  temporal = new Client({ connection });
}, 300_000);

afterAll(async () => {
  await connection?.close();
  await stack?.stop();
  await llm?.close();
});

afterEach(printFigures);

/** Exactly `n` workers running: stopped ones started again, extra ones stopped, more added. */
async function runWorkers(n: number): Promise<void> {
  const alive = stack.workers.filter((w) => w.alive);
  for (const extra of alive.slice(n)) await extra.stop();
  const idle = stack.workers.filter((w) => !w.alive).slice(0, Math.max(0, n - alive.length));
  await Promise.all(idle.map((w) => w.start()));
  while (stack.workers.filter((w) => w.alive).length < n) await stack.addWorker();
}

/** The built-in provider, set to continue a cut answer the given way. */
async function setContinuation(mode: 'prefill' | 'instruction'): Promise<void> {
  const current = (await stack.request('GET', '/model_provider/coco')).body._source;
  const { id: _id, created: _c, updated: _u, builtin: _b, ...fields } = current;
  const res = await stack.request('PUT', '/model_provider/coco', { ...fields, continuation: mode });
  expect(res.status).toBe(200);
}

/** A new session whose first reply streams slowly; resolves once KILL_AT tokens of it arrived. */
async function slowReply(convention: Convention, topic: string): Promise<{ reply: NdjsonStream; text: string; sessionId: string }> {
  const text = longAnswer(topic);
  llm.fallback = () => ({ answer: text, convention, delayMs: DELAY_MS });
  const reply = await stack.postNdjson('/chat/_create?assistant_id=default', { message: `Tell me about ${topic}.` });
  expect(reply.status).toBe(200);
  const sessionId = (await reply.waitFor(() => true)).value._id as string;
  await reply.waitFor(nthToken(KILL_AT), 60_000);
  return { reply, text, sessionId };
}

/** Temporal names a worker `<pid>@<host>`. */
function workerNamed(identity: string | null | undefined): Service {
  const pid = Number(identity?.split('@')[0]);
  const worker = stack.workers.find((w) => w.alive && w.pid === pid);
  if (!worker) throw new Error(`no running worker is ${identity} (running: ${stack.workers.map((w) => w.pid).join(', ')})`);
  return worker;
}

/** The worker running the session's answering step. */
async function answeringWorker(sessionId: string): Promise<Service> {
  const { raw } = await temporal.workflow.getHandle(workflowIdForSession(sessionId)).describe();
  const step = raw.pendingActivities?.find((a) => ['beginReply', 'answer'].includes(a.activityType?.name ?? ''));
  if (!step) throw new Error(`no answering step is running: ${JSON.stringify(raw.pendingActivities)}`);
  return workerNamed(step.lastWorkerIdentity);
}

/** The worker that ran the session workflow's last task: the one its next task is sticky to. */
async function sessionWorker(sessionId: string): Promise<Service> {
  const history = await temporal.workflow.getHandle(workflowIdForSession(sessionId)).fetchHistory();
  const started = history.events?.filter((e) => e.workflowTaskStartedEventAttributes).at(-1);
  return workerNamed(started?.workflowTaskStartedEventAttributes?.identity);
}

it('a worker SIGKILLed mid-answer while a second runs: the answer goes on there (provider prefill, prefill model)', async () => {
  scenario('worker SIGKILL, second worker running, prefill provider + prefill model');
  await runWorkers(2);
  await setContinuation('prefill');
  const { reply, text, sessionId } = await slowReply('prefill', 'a second worker');
  await (await answeringWorker(sessionId)).kill();
  note('killed at token', `${answerTokens(reply.lines)}/${tokensOf(text).length}`);

  const lines = await untilReplyEnd(reply, 90_000);
  await expectReply(stack.api(), sessionId, lines.slice(1), { text, stallBoundMs: FAILOVER_BOUND_MS });
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 240_000);

/** Once its first reply's follow-up (the title) is done and nothing is pending: the session waits on its worker. */
async function settled(sessionId: string): Promise<void> {
  const handle = temporal.workflow.getHandle(workflowIdForSession(sessionId));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const title = (await stack.request('GET', `/chat/${sessionId}`)).body._source.title;
    const { raw } = await handle.describe();
    if (title === 'A title' && !raw.pendingWorkflowTask && !raw.pendingActivities?.length) return;
    if (Date.now() > deadline) throw new Error(`the session did not settle: title ${title}, pending ${JSON.stringify(raw.pendingActivities)}`);
    await sleep(100);
  }
}

// Not a kill mid-answer: the next message must follow the kill at once, and a reply being written when the
// worker dies delays whatever comes after it by the failover (scenario above).
it('right after the worker holding a session is SIGKILLed, its next message gets a first token within 2 s', async () => {
  scenario('next message right after its worker is SIGKILLed, second worker running');
  await runWorkers(2);
  await setContinuation('instruction');
  const { reply, text, sessionId } = await slowReply('instruction', 'sticky queues');
  await expectReply(stack.api(), sessionId, (await untilReplyEnd(reply, 60_000)).slice(1), { text, stallBoundMs: 2000, stallName: 'undisturbed reply stall' });
  await settled(sessionId);
  // The session's next task is sticky to this worker: with it dead, only the sticky timeout lets another take it.
  await (await sessionWorker(sessionId)).kill();

  const next = await expectNextMessageAnswered(stack.api(), llm, sessionId);
  // What the client waited for after sending, the first token included.
  note('stall', `${Math.max(next.firstTokenMs, next.stallMs)} ms (bound 2000)`);
  expect(next.firstTokenMs).toBeLessThan(2000);
}, 240_000);

// The model answers as providers do (Convention in test/helpers/fake-llm.ts): what it streams depends on how
// it is asked.
it.each([
  ['instruction', 'instruction'],
  ['instruction', 'seam'],
  ['prefill', 'prefill'],
] as const)('the only worker SIGKILLed mid-answer, a new one started: the answer goes on (provider %s, model %s)', async (mode, convention) => {
  scenario(`worker SIGKILL, no other worker, a new one started; ${mode} provider + ${convention} model`);
  await runWorkers(1);
  await setContinuation(mode);
  const { reply, text, sessionId } = await slowReply(convention, `${mode} with ${convention}`);
  const only = await answeringWorker(sessionId);
  await only.kill();
  note('killed at token', `${answerTokens(reply.lines)}/${tokensOf(text).length}`);
  await only.start();
  note('new worker ready after', only.readyMs!);

  const lines = await untilReplyEnd(reply, 120_000);
  // The continuation waits for the new worker, and for Temporal to give the dead one's step up.
  await expectReply(stack.api(), sessionId, lines.slice(1), { text, stallBoundMs: Math.max(FAILOVER_BOUND_MS, only.readyMs! + 5000) });
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 240_000);
