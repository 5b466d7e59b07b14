// A model that misbehaves, on real processes: one that never answers ends the reply as a timeout within
// its provider's bounds; one failing once (500, 429) is asked again and its answer arrives whole; one
// failing every time ends the reply as an error, in bounded time. The session answers its next message.
import { ChaosStack, startChaosStack } from '../helpers/chaos-stack';
import { isSummaryRequest, isTitleRequest } from '../helpers/chat-env';
import { FakeLlm, lastUserText, startFakeLlm, tokensOf } from '../helpers/fake-llm';
import { expectNextMessageAnswered, expectReply, longAnswer, note, printFigures, scenario, untilReplyEnd } from './assert-reply';

const BASE = 25000;
const DELAY_MS = 40;

let llm: FakeLlm;
let stack: ChaosStack;

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.routes.push({ match: isTitleRequest, script: () => ({ tokens: tokensOf('A title') }) });
  llm.routes.push({ match: isSummaryRequest, script: () => ({ tokens: tokensOf('A summary.') }) });
  stack = await startChaosStack({ base: BASE, llm: { url: llm.url } });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await llm?.close();
});

afterEach(() => {
  llm.queue.length = 0;
  printFigures();
});

/** Starts a session with `message`, reads its reply to the end; gives the session, the lines and how long it took. */
async function chat(message: string, assistantId = 'default') {
  const sent = Date.now();
  const reply = await stack.postNdjson(`/chat/_create?assistant_id=${assistantId}`, { message });
  expect(reply.status).toBe(200);
  const sessionId = (await reply.waitFor(() => true)).value._id as string;
  const lines = (await untilReplyEnd(reply, 90_000)).slice(1);
  const tookMs = lines.at(-1)!.at - sent;
  note('reply_end after', tookMs);
  return { sessionId, lines, tookMs, asked: llm.requests.filter((r) => !isTitleRequest(r) && !isSummaryRequest(r) && lastUserText(r).includes(message)).length };
}

it('a model that never answers: the reply ends as timeout, saying so, within 10 s', async () => {
  scenario('model accepts and never answers (provider timeouts 2s/2s)');
  const provider = await stack.request('POST', '/model_provider/', {
    name: 'short timeouts',
    base_url: llm.url,
    api_key: 'sk-chaos-short',
    timeouts: { first_token: '2s', between_tokens: '2s' },
  });
  expect(provider.status).toBe(200);
  const assistant = await stack.request('POST', '/assistant/', { name: 'on short timeouts', answering_model: { provider_id: provider.body._id, name: 'test-model' } });
  expect(assistant.status).toBe(200);
  llm.fallback = () => ({ hang: true });

  const { sessionId, lines, tookMs, asked } = await chat('Is anyone there?', assistant.body._id);
  note('model asked', `${asked} times`);
  await expectReply(stack.api(), sessionId, lines, { text: '', reason: 'timeout', notice: /no first token within 2s/, stallBoundMs: 10_000 });
  expect(tookMs).toBeLessThan(10_000);
  await expectNextMessageAnswered(stack.api(), llm, sessionId, `?assistant_id=${assistant.body._id}`);
}, 120_000);

it.each([500, 429])('a model answering %i once, then normally: the answer arrives whole', async (status) => {
  scenario(`model answers ${status} once, then normally`);
  const text = longAnswer(`a ${status} first`);
  llm.queue.push({ status });
  llm.fallback = () => ({ answer: text, convention: 'instruction', delayMs: DELAY_MS });

  const { sessionId, lines, asked } = await chat(`Answer despite a ${status}.`);
  note('model asked', `${asked} times`);
  // The failed attempt published nothing but the answer's opening marker; the retry's backoff is 0.5 s.
  await expectReply(stack.api(), sessionId, lines, { text, stallBoundMs: 3000 });
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 120_000);

it('a model answering 500 every time: the reply ends as error within 15 s', async () => {
  scenario('model answers 500 every time');
  llm.fallback = () => ({ status: 500 });

  const { sessionId, lines, tookMs, asked } = await chat('Answer despite the 500s.');
  note('model asked', `${asked} times`);
  // 5 attempts with backoffs of 0.5, 1, 2 and 4 s: the error comes after ~8 s, in one wait.
  await expectReply(stack.api(), sessionId, lines, { text: '', reason: 'error', notice: /500/, stallBoundMs: 15_000 });
  expect(tookMs).toBeLessThan(15_000);
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 120_000);
