// The API instance holding a client SIGKILLed in the middle of a reply: the reply goes on (the worker writes
// it), and the client resumes it on another instance from the last seq it got, by the reply's id or its
// question's, getting exactly the rest.
import { ChaosStack, startChaosStack, TimedLine } from '../helpers/chaos-stack';
import { isSummaryRequest, isTitleRequest } from '../helpers/chat-env';
import { FakeLlm, startFakeLlm, tokensOf } from '../helpers/fake-llm';
import { answerTokens, expectNextMessageAnswered, expectReply, longAnswer, note, nthToken, printFigures, scenario, sleep, untilReplyEnd } from './assert-reply';
import { connectTimedWs } from './ws-client';

const BASE = 23000;
const DELAY_MS = 40;
const KILL_AT = 60;
/** The client notices the broken connection and asks the other instance at once: a resume is a Redis read. */
const RESUME_BOUND_MS = 3000;

let llm: FakeLlm;
let stack: ChaosStack;

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.routes.push({ match: isTitleRequest, script: () => ({ tokens: tokensOf('A title') }) });
  llm.routes.push({ match: isSummaryRequest, script: () => ({ tokens: tokensOf('A summary.') }) });
  stack = await startChaosStack({ base: BASE, llm: { url: llm.url }, apis: 2 });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await llm?.close();
});

beforeEach(async () => {
  if (!stack.api(0).alive) await stack.api(0).start();
});

afterEach(printFigures);

function slowAnswer(topic: string): string {
  const text = longAnswer(topic);
  llm.fallback = () => ({ answer: text, convention: 'instruction', delayMs: DELAY_MS });
  return text;
}

/** Resumes on API 1 after the last chunk the client got; gives the rest of the reply. */
async function resumeElsewhere(sessionId: string, messageId: string, before: TimedLine[]): Promise<TimedLine[]> {
  const lastSeq = before.at(-1)!.value.seq as number;
  note('resumed after seq', String(lastSeq));
  const resumed = await stack.api(1).getNdjson(`/chat/${sessionId}/_stream?message_id=${messageId}&after_seq=${lastSeq}`);
  if (resumed.status !== 200) note('resume answered', `${resumed.status} ${JSON.stringify((await resumed.done.catch(() => resumed.lines))[0]?.value)}`);
  expect(resumed.status).toBe(200);
  const after = await untilReplyEnd(resumed, 60_000);
  if (after.length) note('first chunk after the kill', after[0]!.at - before.at(-1)!.at);
  return after;
}

it('API SIGKILL mid-reply, NDJSON client: resumed on another instance by the reply id', async () => {
  scenario('API SIGKILL, NDJSON client resumes on API 1 by reply id');
  const text = slowAnswer('an NDJSON resume');
  const reply = await stack.api(0).postNdjson('/chat/_create?assistant_id=default', { message: 'Stream me a long answer.' });
  expect(reply.status).toBe(200);
  const sessionId = (await reply.waitFor(() => true)).value._id as string;
  await reply.waitFor(nthToken(KILL_AT), 60_000);
  await stack.api(0).kill();
  await reply.done.then(
    () => note('first connection', 'ended cleanly'),
    () => note('first connection', 'broken'),
  );
  const before = reply.lines.slice(1);
  note('killed at token', `${answerTokens(before)}/${tokensOf(text).length}`);

  const after = await resumeElsewhere(sessionId, before.at(-1)!.value.message_id, before);
  await expectReply(stack.api(1), sessionId, [...before, ...after], { text, stallBoundMs: RESUME_BOUND_MS });
  await expectNextMessageAnswered(stack.api(1), llm, sessionId);
}, 180_000);

it('API SIGKILL mid-reply, WebSocket client: resumed on another instance by the user message id', async () => {
  scenario('API SIGKILL, WebSocket client resumes on API 1 (NDJSON) by user message id');
  const text = slowAnswer('a WebSocket resume');
  const ws = await connectTimedWs(stack.api(0).wsUrl, stack.token);
  const res = await stack.api(0).request('POST', '/chat/_new?assistant_id=default', { message: 'Stream me a long answer.' }, { 'WEBSOCKET-SESSION-ID': ws.id });
  expect(res.status).toBe(200);
  const sessionId = res.body._id as string;
  const userMessageId = res.body.payload.id as string;
  await ws.waitFor(nthToken(KILL_AT), 60_000);
  await stack.api(0).kill();
  for (const until = Date.now() + 10_000; !ws.closed && Date.now() < until; ) await sleep(20);
  note('socket', ws.closed ? `closed (${ws.closed.code})` : 'still open 10 s after the kill');
  expect(ws.closed).toBeDefined();
  const before = [...ws.lines];
  note('killed at token', `${answerTokens(before)}/${tokensOf(text).length}`);

  const after = await resumeElsewhere(sessionId, userMessageId, before);
  await expectReply(stack.api(1), sessionId, [...before, ...after], { text, stallBoundMs: RESUME_BOUND_MS });
  await expectNextMessageAnswered(stack.api(1), llm, sessionId);
}, 180_000);
