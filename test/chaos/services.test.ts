// Redis, FerretDB and Temporal restarted (or frozen) in the middle of a reply: the reply the client is
// reading still ends as the model wrote it, is saved as the client got it, can be read again from the
// start, and nothing is written to it after it ended.
import fs from 'node:fs';
import path from 'node:path';
import { busKeys } from '../../src/bus/keys';
import { readReplyLog } from '../../src/bus/publisher';
import { connectRedis } from '../../src/infra/redis';
import { ChaosStack, NdjsonStream, startChaosStack } from '../helpers/chaos-stack';
import { isSummaryRequest, isTitleRequest } from '../helpers/chat-env';
import { FakeLlm, startFakeLlm, tokensOf } from '../helpers/fake-llm';
import {
  answerTokens,
  expectNextMessageAnswered,
  expectReply,
  longAnswer,
  note,
  nthToken,
  printFigures,
  readReply,
  savedReply,
  scenario,
  sleep,
  untilReplyEnd,
} from './assert-reply';
import { connectTimedWs } from './ws-client';

const BASE = 24000;
const DELAY_MS = 40;
const FAULT_AT = 60;
/** Close codes that tell a client to connect again: going away, service restart, try again later. */
const RECONNECT_CODES = [1001, 1012, 1013];

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

afterEach(printFigures);

/** A new session whose first reply streams slowly; resolves once FAULT_AT tokens of it arrived. */
async function slowReply(topic: string): Promise<{ reply: NdjsonStream; text: string; sessionId: string }> {
  const text = longAnswer(topic);
  llm.fallback = () => ({ answer: text, convention: 'instruction', delayMs: DELAY_MS });
  const reply = await stack.postNdjson('/chat/_create?assistant_id=default', { message: `Tell me about ${topic}.` });
  expect(reply.status).toBe(200);
  const sessionId = (await reply.waitFor(() => true)).value._id as string;
  await reply.waitFor(nthToken(FAULT_AT), 60_000);
  return { reply, text, sessionId };
}

/** The reply's log as the publishers wrote it (the stack's Redis, its key prefix). */
async function replyLog(replyId: string) {
  const redis = await connectRedis(`redis://127.0.0.1:${BASE + 2}`, () => undefined);
  try {
    return await readReplyLog(redis, busKeys('chaos:'), replyId);
  } finally {
    await redis.quit();
  }
}

/** How often a worker ran the reply's answering step again and found it finished (its log says so). */
function repeatedAfterFinish(replyId: string): number {
  return fs
    .readFileSync(stack.worker(0).logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(replyId) && line.includes('not answered again')).length;
}

/** Notes how long `action` took and how far the reply was when it began and ended. */
async function during(reply: NdjsonStream, text: string, what: string, action: () => Promise<void>): Promise<void> {
  const started = Date.now();
  const from = answerTokens(reply.lines);
  await action();
  note(what, `${Date.now() - started} ms, from token ${from} to ${answerTokens(reply.lines)} of ${tokensOf(text).length}`);
}

it('Redis restarted mid-reply: the reply ends, replays whole, and a socket from before still works or is told to reconnect', async () => {
  scenario('Redis restart (SIGTERM, start) mid-reply');
  const ws = await connectTimedWs(stack.api().wsUrl, stack.token);
  const { reply, text, sessionId } = await slowReply('a Redis restart');
  await during(reply, text, 'redis restart', () => stack.redis.restart());

  const lines = (await untilReplyEnd(reply, 60_000)).slice(1);
  await expectReply(stack.api(), sessionId, lines, { text, stallBoundMs: 3000 });
  const replayed = await readReply(stack.api(), sessionId, lines[0]!.value.message_id, 0);
  note('replayed chunks', String(replayed.length));
  expect(replayed.map((l) => l.value)).toEqual(lines.map((l) => l.value));

  if (ws.open) {
    const next = longAnswer('the socket', 30);
    llm.fallback = () => ({ answer: next, convention: 'instruction', delayMs: 10 });
    const sent = await stack.request('POST', `/chat/${sessionId}/_send`, { message: 'And over the socket?' }, { 'WEBSOCKET-SESSION-ID': ws.id });
    note('websocket', `still open; _send answered ${sent.status}`);
    // An open socket the server no longer knows (400 "not connected" to every send) is the failure.
    expect(sent.status).toBe(200);
    const chunks = await untilReplyEnd(ws, 30_000, sent.body[0]._id);
    await expectReply(stack.api(), sessionId, chunks, { text: next, stallBoundMs: 5000, stallName: 'websocket reply stall' });
  } else {
    note('websocket', `closed by the server with ${ws.closed!.code} ${ws.closed!.reason}`);
    expect(RECONNECT_CODES).toContain(ws.closed!.code);
  }
  ws.close();
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 180_000);

it('Redis restarted empty mid-reply (as one without persistence): nothing is skipped, and sockets work again', async () => {
  scenario('Redis restart losing its data mid-reply');
  const ws = await connectTimedWs(stack.api().wsUrl, stack.token);
  const { reply, text, sessionId } = await slowReply('a Redis that forgets');
  await during(reply, text, 'redis restart (emptied)', async () => {
    await stack.redis.stop();
    for (const f of fs.readdirSync(path.join(stack.dir, 'redis'))) fs.rmSync(path.join(stack.dir, 'redis', f), { recursive: true, force: true });
    await stack.redis.start();
  });

  const lines = (await untilReplyEnd(reply, 60_000)).slice(1);
  await expectReply(stack.api(), sessionId, lines, { text, stallBoundMs: 5000 });
  // The publisher wrote the lost log again: a reader from the start gets every chunk, none skipped.
  const replayed = await readReply(stack.api(), sessionId, lines[0]!.value.message_id, 0);
  note('replayed chunks', String(replayed.length));
  expect(replayed.map((l) => l.value)).toEqual(lines.map((l) => l.value));

  // The socket's presence was lost with the data: it registered again, or was told to reconnect.
  if (ws.open) {
    const next = longAnswer('the socket again', 30);
    llm.fallback = () => ({ answer: next, convention: 'instruction', delayMs: 10 });
    const sent = await stack.request('POST', `/chat/${sessionId}/_send`, { message: 'Still over the socket?' }, { 'WEBSOCKET-SESSION-ID': ws.id });
    note('websocket', `still open; _send answered ${sent.status}`);
    expect(sent.status).toBe(200);
    const chunks = await untilReplyEnd(ws, 30_000, sent.body[0]._id);
    await expectReply(stack.api(), sessionId, chunks, { text: next, stallBoundMs: 5000, stallName: 'websocket reply stall' });
  } else {
    note('websocket', `closed by the server with ${ws.closed!.code} ${ws.closed!.reason}`);
    expect(RECONNECT_CODES).toContain(ws.closed!.code);
  }
  ws.close();
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 180_000);

it('FerretDB restarted mid-reply: the reply completes and is saved exactly', async () => {
  scenario('FerretDB restart mid-reply');
  const { reply, text, sessionId } = await slowReply('a FerretDB restart');
  await during(reply, text, 'ferretdb restart', () => stack.ferret.restart());

  const lines = (await untilReplyEnd(reply, 60_000)).slice(1);
  await expectReply(stack.api(), sessionId, lines, { text, stallBoundMs: 5000 });
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 180_000);

it('PostgreSQL (under FerretDB) restarted mid-reply: the reply completes and is saved exactly', async () => {
  scenario('PostgreSQL restart mid-reply');
  const { reply, text, sessionId } = await slowReply('a PostgreSQL restart');
  await during(reply, text, 'postgres restart', () => stack.postgres.restart());

  const lines = (await untilReplyEnd(reply, 60_000)).slice(1);
  await expectReply(stack.api(), sessionId, lines, { text, stallBoundMs: 5000 });
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 180_000);

it('Temporal restarted mid-reply: the reply completes exactly', async () => {
  scenario('Temporal restart mid-reply');
  const { reply, text, sessionId } = await slowReply('a Temporal restart');
  await during(reply, text, 'temporal restart', () => stack.temporal.restart());

  const lines = (await untilReplyEnd(reply, 60_000)).slice(1);
  await expectReply(stack.api(), sessionId, lines, { text, stallBoundMs: 3000 });
  note('answering step repeated after it finished', `${repeatedAfterFinish(lines[0]!.value.message_id)} times`);
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 180_000);

// Frozen (SIGSTOP: its connections hang) or stopped (its port refuses): the worker cannot report the
// answering step done either way, and Temporal, back, may run it again.
const OUTAGES: Array<[string, (ms: number) => Promise<void>]> = [
  ['frozen', (ms) => stack.outage(stack.temporal, ms)],
  [
    'stopped',
    async (ms) => {
      await stack.temporal.stop();
      await sleep(ms);
      await stack.temporal.start();
    },
  ],
];

it.each(OUTAGES)('Temporal down (%s) for 15 s mid-reply: the reply ends live, and nothing is published or saved after it ended', async (how, down) => {
  scenario(`Temporal down (${how}) 15 s mid-reply`);
  const { reply, text, sessionId } = await slowReply('a Temporal outage');
  const frozenAt = Date.now();
  const outage = down(15_000);
  note('outage from token', `${answerTokens(reply.lines)}/${tokensOf(text).length}`);

  const lines = (await untilReplyEnd(reply, 60_000)).slice(1);
  note('reply_end into the outage', lines.at(-1)!.at - frozenAt);
  await expectReply(stack.api(), sessionId, lines, { text, stallBoundMs: 3000 });
  const replyId = lines[0]!.value.message_id as string;
  const saved = await savedReply(stack.api(), sessionId, replyId);
  await outage;
  // Temporal, back, may time the answering step out (its heartbeats stopped) and run it again: that run must
  // find the reply finished.
  await sleep(20_000);

  const replayed = await readReply(stack.api(), sessionId, replyId, 0);
  note('chunks replayed after the outage', `${replayed.length} (live ${lines.length})`);
  expect(replayed.map((l) => l.value)).toEqual(lines.map((l) => l.value));
  // _stream stops at reply_end: whatever came after it is only in the log.
  const log = await replyLog(replyId);
  note('log after the outage', `${log.length} chunks, last ${log.at(-1)?.chunk_type} seq ${log.at(-1)?.seq}`);
  note('answering step repeated after it finished', `${repeatedAfterFinish(replyId)} times`);
  expect(log).toEqual(lines.map((l) => l.value));
  expect(await savedReply(stack.api(), sessionId, replyId)).toEqual(saved);
  await expectNextMessageAnswered(stack.api(), llm, sessionId);
}, 240_000);
