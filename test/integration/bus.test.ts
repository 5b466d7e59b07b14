// The streaming bus against the real Redis: seq and chunk_sequence, continuation after earlier steps,
// coalescing, and gap-free following (including a gap in pub/sub filled from the log).
import { randomBytes } from 'node:crypto';
import { CancelWatcher, requestCancel } from '../../src/bus/cancel';
import { followReply } from '../../src/bus/follow';
import { RedisHub } from '../../src/bus/hub';
import { busKeys } from '../../src/bus/keys';
import { ReplyPublisher, readReplyLog } from '../../src/bus/publisher';
import { connectRedis, Redis } from '../../src/infra/redis';
import type { MessageChunk, ReplyRef } from '../../src/shared/chat';
import { requireTestStack } from '../helpers/stack';

let redis: Redis;
let hub: RedisHub;
const keys = busKeys(`test:bus:${randomBytes(3).toString('hex')}:`);
const opts = { logTtlSec: 60, coalesceMs: 0 };
const ref = (): ReplyRef => ({ sessionId: 's1', replyId: `r${randomBytes(4).toString('hex')}`, userMessageId: 'u1' });

beforeAll(async () => {
  requireTestStack();
  redis = await connectRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', () => undefined);
  hub = await RedisHub.open(redis);
});
afterAll(async () => {
  await hub.close();
  await redis.quit();
});

it('numbers chunks with a reply-wide seq and per-step chunk_sequence (think shares response)', async () => {
  const r = ref();
  const { publisher } = await ReplyPublisher.open(redis, keys, r, opts);
  await publisher.send('response', '');
  await publisher.delta('think', 'hmm');
  await publisher.delta('response', 'Hi');
  await publisher.send('reply_end', '{"reason":"completed"}', true);
  const log = await readReplyLog(redis, keys, r.replyId);
  expect(log.map((c) => [c.seq, c.chunk_type, c.chunk_sequence, c.message_type])).toEqual([
    [1, 'response', 0, 'assistant'],
    [2, 'think', 1, 'assistant'],
    [3, 'response', 2, 'assistant'],
    [4, 'reply_end', 0, 'system'],
  ]);
  expect(log[0]).toMatchObject({ session_id: 's1', message_id: r.replyId, reply_to_message: 'u1' });
  expect(await redis.ttl(keys.replyLog(r.replyId))).toBeGreaterThan(0);
});

it("sets the log's TTL with the first chunk and with reply_end, not with every token", async () => {
  const r = ref();
  const log = keys.replyLog(r.replyId);
  const { publisher } = await ReplyPublisher.open(redis, keys, r, opts);
  await publisher.send('response', '');
  expect(await redis.ttl(log)).toBeGreaterThan(55);
  await redis.expire(log, 30); // as if half a minute had passed
  for (const t of ['a', 'b', 'c']) await publisher.delta('response', t);
  expect(await redis.ttl(log)).toBeLessThanOrEqual(30); // tokens leave it alone
  await publisher.send('reply_end', '{"reason":"completed"}', true);
  expect(await redis.ttl(log)).toBeGreaterThan(55); // the log is kept logTtlSec after the end
});

it('a publisher opened later (next step, retried attempt) continues after the logged seq', async () => {
  const r = ref();
  const first = await ReplyPublisher.open(redis, keys, r, opts);
  await first.publisher.send('response', '');
  await first.publisher.delta('response', 'a');
  const second = await ReplyPublisher.open(redis, keys, r, opts);
  expect(second.logged.lastSeq).toBe(2);
  await second.publisher.delta('response', 'b');
  const log = await readReplyLog(redis, keys, r.replyId);
  expect(log.map((c) => [c.seq, c.chunk_sequence, c.message_chunk])).toEqual([
    [1, 0, ''],
    [2, 1, 'a'],
    [3, 2, 'b'],
  ]);
});

it('coalesces deltas within the window, and flushes them before a whole chunk', async () => {
  const r = ref();
  const { publisher } = await ReplyPublisher.open(redis, keys, r, { logTtlSec: 60, coalesceMs: 40 });
  for (const t of ['a', 'b', 'c']) void publisher.delta('response', t);
  void publisher.delta('think', 'x');
  await publisher.send('reply_end', '{}', true);
  const log = await readReplyLog(redis, keys, r.replyId);
  expect(log.map((c) => [c.chunk_type, c.message_chunk])).toEqual([
    ['response', 'abc'],
    ['think', 'x'],
    ['reply_end', '{}'],
  ]);
});

it('follows live from a cursor, fills a pub/sub gap from the log, and ends at reply_end', async () => {
  const r = ref();
  const got: MessageChunk[] = [];
  const { publisher } = await ReplyPublisher.open(redis, keys, r, opts);
  await publisher.send('response', '');
  const following = followReply(redis, hub, keys, r.replyId, { afterSeq: 0, onChunk: (c) => void got.push(c) });
  await new Promise((res) => setTimeout(res, 50));
  // seq 2 and 3 reach the log but their pub/sub messages are lost
  for (const seq of [2, 3]) {
    const chunk = { ...(await readReplyLog(redis, keys, r.replyId))[0]!, seq, chunk_sequence: seq - 1, message_chunk: `t${seq}` };
    await redis.xAdd(keys.replyLog(r.replyId), `${seq}-0`, { c: JSON.stringify(chunk) });
  }
  const later = await ReplyPublisher.open(redis, keys, r, opts);
  await later.publisher.delta('response', 't4');
  await later.publisher.send('reply_end', '{"reason":"completed"}', true);
  expect(await following).toBe('ended');
  expect(got.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5]);
  expect(got.map((c) => c.message_chunk).join('')).toBe('t2t3t4{"reason":"completed"}');

  // after the end: replay from any cursor
  const replay: number[] = [];
  expect(await followReply(redis, hub, keys, r.replyId, { afterSeq: 3, onChunk: (c) => void replay.push(c.seq) })).toBe('ended');
  expect(replay).toEqual([4, 5]);
});

it('writes the reply\'s log again when Redis lost it mid-reply, so a resume from seq 0 gets every chunk', async () => {
  const r = ref();
  const { publisher } = await ReplyPublisher.open(redis, keys, r, opts);
  await publisher.send('response', '');
  for (const t of ['a', 'b']) await publisher.delta('response', t);
  await redis.del(keys.replyLog(r.replyId)); // as a Redis without persistence restarting would
  await publisher.delta('response', 'c');
  await publisher.send('reply_end', '{"reason":"completed"}', true);
  const log = await readReplyLog(redis, keys, r.replyId);
  expect(log.map((c) => [c.seq, c.message_chunk])).toEqual([[1, ''], [2, 'a'], [3, 'b'], [4, 'c'], [5, '{"reason":"completed"}']]);
  expect(await redis.ttl(keys.replyLog(r.replyId))).toBeGreaterThan(0);
});

it('a follow that cannot get the chunks it missed ends as gap, never skipping them', async () => {
  const r = ref();
  // A log whose head is gone and that nobody writes again: seq 5 and 6 only.
  for (const seq of [5, 6]) {
    const chunk = { session_id: 's1', message_id: r.replyId, message_type: 'assistant', reply_to_message: 'u1', chunk_sequence: seq, chunk_type: 'response', message_chunk: `t${seq}`, seq };
    await redis.xAdd(keys.replyLog(r.replyId), `${seq}-0`, { c: JSON.stringify(chunk) });
  }
  const got: number[] = [];
  expect(await followReply(redis, hub, keys, r.replyId, { afterSeq: 0, onChunk: (c) => void got.push(c.seq) })).toBe('gap');
  expect(got).toEqual([]);
  // From a cursor the log does continue: fine.
  const from4: number[] = [];
  const following = followReply(redis, hub, keys, r.replyId, { afterSeq: 4, onChunk: (c) => void from4.push(c.seq), idleMs: 300 });
  expect(await following).toBe('stalled'); // and then nothing more arrives for the idle bound
  expect(from4).toEqual([5, 6]);
});

it('a follow that hears nothing for its idle bound ends as stalled', async () => {
  const started = Date.now();
  expect(await followReply(redis, hub, keys, ref().replyId, { afterSeq: 0, onChunk: () => undefined, idleMs: 400 })).toBe('stalled');
  expect(Date.now() - started).toBeGreaterThanOrEqual(390);
});

it('stops following when aborted', async () => {
  const abort = new AbortController();
  const following = followReply(redis, hub, keys, ref().replyId, { afterSeq: 0, onChunk: () => undefined, signal: abort.signal });
  abort.abort();
  expect(await following).toBe('stopped');
});

it('delivers cancel notices to running steps, and to steps that start after the cancel', async () => {
  const watcher = new CancelWatcher(redis, keys, hub);
  const r = ref();
  let fired = 0;
  const stop = await watcher.watch(r.replyId, () => fired++);
  await requestCancel(redis, keys, r.replyId);
  await new Promise((res) => setTimeout(res, 100));
  expect(fired).toBe(1);
  stop();
  let late = 0;
  await watcher.watch(r.replyId, () => late++);
  expect(late).toBe(1);
});
