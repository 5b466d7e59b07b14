// Cancel, close and reopen, resume, sessions across API instances, ownership and keepalive expiry.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { busKeys } from '../../src/bus/keys';
import { startApiServer } from '../../src/server';
import { workflowIdForSession } from '../../src/shared/chat';
import { seedUser } from '../helpers/api';
import { ChatEnv, connectWs, endReason, isTitleRequest, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { lastUserText, tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
beforeAll(async () => {
  env = await startChatEnv('control');
}, 60_000);
afterAll(() => env.close());

const wsUrl = (port = env.api.server.apiPort) => `ws://127.0.0.1:${port}/ws`;
const LONG = tokensOf(Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function newWsSession(message: string) {
  const ws = await connectWs(wsUrl(), env.api.token);
  const res = await env.api.request('POST', '/chat/_new', { message }, { 'WEBSOCKET-SESSION-ID': ws.id });
  expect(res.status).toBe(200);
  return { ws, sessionId: res.body._id as string, userMessageId: res.body.payload.id as string };
}

describe('cancel', () => {
  it('_cancel stops the running reply: partial answer saved, reply_end user_cancelled', async () => {
    env.llm.queue.push({ tokens: LONG, delayMs: 20 });
    const { ws, sessionId, userMessageId } = await newWsSession('a long answer please');
    await waitFor(() => ws.chunks.filter((c) => c.chunk_type === 'response').length > 5);
    const started = Date.now();
    expect((await env.api.request('POST', `/chat/${sessionId}/_cancel`)).body).toEqual({ acknowledged: true });
    const chunks = await ws.replyEnded(userMessageId);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(endReason(chunks)).toBe('user_cancelled');
    const streamed = responseText(chunks);
    expect(streamed.length).toBeGreaterThan(0);
    expect(streamed.length).toBeLessThan(LONG.join('').length);
    const saved = (await env.api.request('GET', `/chat/${sessionId}/_history`)).body.hits.hits[1]._source;
    expect(saved.message).toBe(streamed);
    expect(saved.details.find((d: any) => d.type === 'reply_end').payload).toEqual({ reason: 'user_cancelled' });
    ws.close();
  });

  it('_cancel?message_id= stops an NDJSON reply', async () => {
    env.llm.queue.push({ tokens: LONG, delayMs: 20 });
    let cancelled = false;
    const res = await postStream(env.api, '/chat/_create', { message: 'stream and cancel' });
    const lines = await readNdjson(res, (line) => {
      if (!cancelled && line.chunk_type === 'response' && line.chunk_sequence === 3) {
        cancelled = true;
        void env.api.request('POST', `/chat/${line.session_id}/_cancel?message_id=${line.reply_to_message}`);
      }
    });
    expect(endReason(lines.slice(1))).toBe('user_cancelled');
  });

  it('_cancel without a message id stops the running reply, not the turn queued behind it', async () => {
    env.llm.queue.push({ tokens: LONG, delayMs: 20 }, { tokens: tokensOf('The queued one is answered.') });
    const first = await postStream(env.api, '/chat/_create', { message: 'running one' });
    const lines: any[] = [];
    const reading = readNdjson(first, (l) => lines.push(l));
    await waitFor(() => lines.filter((l) => l.chunk_type === 'response').length > 3);
    const sessionId = lines[0]._id as string;
    const queued = postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'queued one' });
    await new Promise((r) => setTimeout(r, 100)); // the second turn is queued behind the first
    expect((await env.api.request('POST', `/chat/${sessionId}/_cancel`)).body).toEqual({ acknowledged: true });
    await reading;
    expect(endReason(lines.slice(1))).toBe('user_cancelled');
    const second = await readNdjson(await queued);
    expect(endReason(second)).toBe('completed');
    expect(responseText(second)).toBe('The queued one is answered.');
  });

  it('is idempotent and acknowledged when nothing runs or the session is unknown', async () => {
    const session = (await env.api.request('POST', '/chat/_new', {})).body._id;
    for (const path of [`/chat/${session}/_cancel`, `/chat/${session}/_cancel`, '/chat/no-such-session/_cancel', `/chat/${session}/_cancel?message_id=nope`]) {
      expect((await env.api.request('POST', path)).body).toEqual({ acknowledged: true });
    }
  });
});

describe('close and reopen', () => {
  it('_close cancels the in-flight reply, closes the session and completes the workflow; _send reopens it', async () => {
    env.llm.queue.push({ tokens: LONG, delayMs: 20 });
    const { ws, sessionId, userMessageId } = await newWsSession('close me mid-reply');
    await waitFor(() => ws.chunks.some((c) => c.chunk_type === 'response' && c.message_chunk !== ''));
    const closed = await env.api.request('POST', `/chat/${sessionId}/_close`);
    expect(closed.body).toMatchObject({ _id: sessionId, found: true, _source: { status: 'closed' } });
    expect(endReason(await ws.replyEnded(userMessageId))).toBe('user_cancelled');
    const handle = env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId));
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');

    env.llm.queue.push({ tokens: tokensOf('Back again.') });
    const sent = await env.api.request('POST', `/chat/${sessionId}/_send`, { message: 'are you there?' }, { 'WEBSOCKET-SESSION-ID': ws.id });
    expect(sent.status).toBe(200);
    const chunks = await ws.replyEnded(sent.body[0]._id);
    expect(responseText(chunks)).toBe('Back again.');
    expect((await env.api.request('GET', `/chat/${sessionId}`)).body._source.status).toBe('active');
    ws.close();
  });

  it('a send while the session is still closing (its title being written) is answered by the next run', async () => {
    // The title follow-up of this session's first turn takes 1.5 s: the closed run cannot end before it.
    env.llm.routes.unshift({ match: (r) => isTitleRequest(r) && lastUserText(r).includes('closing race'), script: () => ({ tokens: ['Slow title'], delayMs: 1500 }) });
    env.llm.queue.push({ tokens: tokensOf('First answer.') });
    const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'closing race' }));
    const sessionId = lines[0]._id as string;
    expect(endReason(lines)).toBe('completed');
    const handle = env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId));
    const firstRun = (await handle.describe()).runId;
    await env.llm.waitForRequest((r) => isTitleRequest(r) && lastUserText(r).includes('closing race'));
    expect((await env.api.request('POST', `/chat/${sessionId}/_close`)).status).toBe(200);

    // The closing run refuses the turn (failure type SessionClosed); the API waits for it to end and starts the next.
    env.llm.queue.push({ tokens: tokensOf('Second answer.') });
    const second = await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'still there?' }));
    expect(responseText(second)).toBe('Second answer.');
    expect(endReason(second)).toBe('completed');
    const now = await handle.describe();
    expect(now.runId).not.toBe(firstRun);
    expect((await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId), firstRun).describe()).status.name).toBe('COMPLETED');
  });
});

describe('resume', () => {
  it('replays from after_seq during the reply and after it ended, with no gap and no duplicate', async () => {
    const text = LONG.slice(0, 60);
    env.llm.queue.push({ tokens: text, delayMs: 15 });
    const { ws, sessionId, userMessageId } = await newWsSession('resume me');
    await waitFor(() => ws.chunks.length >= 10);
    ws.close(); // the client drops mid-reply
    const seen = ws.chunks.slice(0, 10);
    const cursor = seen.at(-1)!.seq;

    const res = await fetch(`${env.api.url}/chat/${sessionId}/_stream?message_id=${userMessageId}&after_seq=${cursor}`, { headers: { 'X-API-TOKEN': env.api.token } });
    const rest = await readNdjson(res);
    const all = [...seen, ...rest];
    expect(all.map((c) => c.seq)).toEqual(all.map((_, i) => i + 1));
    expect(responseText(all)).toBe(text.join(''));
    expect(all.at(-1)!.chunk_type).toBe('reply_end');

    // after the end: the same request by reply id, and to a new socket
    const replyId = all[0]!.message_id;
    const again = await readNdjson(await fetch(`${env.api.url}/chat/${sessionId}/_stream?message_id=${replyId}&after_seq=${cursor}`, { headers: { 'X-API-TOKEN': env.api.token } }));
    expect(again).toEqual(rest);
    const ws2 = await connectWs(wsUrl(), env.api.token);
    const ack = await env.api.request('GET', `/chat/${sessionId}/_stream?message_id=${userMessageId}&after_seq=0`, undefined, { 'WEBSOCKET-SESSION-ID': ws2.id });
    expect(ack.body).toEqual({ acknowledged: true, reply_id: replyId });
    expect(responseText(await ws2.replyEnded(userMessageId))).toBe(text.join(''));
    ws2.close();
  });
});

describe('resume after the log expired', () => {
  it('gives any cursor exactly the rest of the saved reply and reply_end, with their seqs', async () => {
    const text = tokensOf(Array.from({ length: 30 }, (_, i) => `part${i}`).join(' '));
    env.llm.queue.push({ tokens: text });
    const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'keep me' }));
    const chunks = lines.slice(1);
    const sessionId = lines[0]._id as string;
    const replyId = chunks[0].message_id as string;
    const end = chunks.at(-1)!;
    await env.api.server.deps.redis.del(busKeys(env.api.server.deps.config.redis.prefix).replyLog(replyId)); // expired
    const resume = async (after: number) =>
      readNdjson(await fetch(`${env.api.url}/chat/${sessionId}/_stream?message_id=${replyId}&after_seq=${after}`, { headers: { 'X-API-TOKEN': env.api.token } }));
    for (const after of [0, 1, 5, 17, end.seq - 2]) {
      const rest = await resume(after);
      const seen = chunks.filter((c) => c.seq <= after);
      expect(responseText(seen) + responseText(rest)).toBe(text.join(''));
      expect(rest.at(-1)).toMatchObject({ chunk_type: 'reply_end', seq: end.seq, message_chunk: end.message_chunk });
      expect(rest.every((c, i) => c.seq > after && (i === 0 || c.seq > rest[i - 1].seq))).toBe(true);
    }
    expect(await resume(end.seq)).toEqual([]);
  });
});

describe('two API instances', () => {
  it('a socket on instance A gets the reply to a _send made on instance B', async () => {
    const b = await startApiServer(env.api.server.deps.config);
    try {
      const ws = await connectWs(wsUrl(env.api.server.apiPort), env.api.token);
      env.llm.queue.push({ tokens: tokensOf('Across instances.') });
      const res = await fetch(`http://127.0.0.1:${b.apiPort}/chat/_new`, {
        method: 'POST',
        headers: { 'X-API-TOKEN': env.api.token, 'WEBSOCKET-SESSION-ID': ws.id },
        body: JSON.stringify({ message: 'from B' }),
      });
      const body = (await res.json()) as any;
      expect(res.status).toBe(200);
      expect(responseText(await ws.replyEnded(body.payload.id))).toBe('Across instances.');
      // and a cancel sent to B stops a reply streaming through A
      env.llm.queue.push({ tokens: LONG, delayMs: 20 });
      const sent = await fetch(`http://127.0.0.1:${b.apiPort}/chat/${body._id}/_send`, {
        method: 'POST',
        headers: { 'X-API-TOKEN': env.api.token, 'WEBSOCKET-SESSION-ID': ws.id },
        body: JSON.stringify({ message: 'long one' }),
      });
      const userMessageId = ((await sent.json()) as any)[0]._id;
      await waitFor(() => ws.chunks.filter((c) => c.reply_to_message === userMessageId).length > 3);
      await fetch(`http://127.0.0.1:${b.apiPort}/chat/${body._id}/_cancel`, { method: 'POST', headers: { 'X-API-TOKEN': env.api.token } });
      expect(endReason(await ws.replyEnded(userMessageId))).toBe('user_cancelled');
      ws.close();
    } finally {
      await b.close();
    }
  });
});

describe('sessions', () => {
  it('belong to their user: others get 404 and do not see them in _history', async () => {
    const mine = (await env.api.request('POST', '/chat/_new', {})).body._id;
    const asBob = (await seedUser(env.api, 'bob')).headers;
    expect((await env.api.anonymous('GET', `/chat/${mine}`, undefined, asBob)).status).toBe(404);
    expect((await env.api.anonymous('POST', `/chat/${mine}/_chat`, { message: 'x' }, asBob)).status).toBe(404);
    expect((await env.api.anonymous('DELETE', `/chat/${mine}`, undefined, asBob)).status).toBe(404);
    const bobList = await env.api.anonymous('GET', '/chat/_history', undefined, asBob);
    expect(bobList.body.hits.total.value).toBe(0);
    const myList = await env.api.request('GET', '/chat/_history?size=100');
    expect(myList.body.hits.hits.map((h: any) => h._id)).toContain(mine);
  });

  it('update sets a manual title, refuses an empty change; delete removes the messages', async () => {
    env.llm.queue.push({ tokens: tokensOf('ok') });
    const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'a session to rename and delete' }));
    const id = lines[0]._id;
    expect((await env.api.request('PUT', `/chat/${id}`, { title: 'zebra crossing', context: { attachments: [] } })).body).toEqual({ _id: id, result: 'updated' });
    expect((await env.api.request('GET', `/chat/${id}`)).body._source).toMatchObject({ title: 'zebra crossing', manually_renamed_title: true });
    expect((await env.api.request('PUT', `/chat/${id}`, {})).status).toBe(400);
    expect((await env.api.request('GET', `/chat/_history?query=zebra`)).body.hits.hits.map((h: any) => h._id)).toEqual([id]);
    expect((await env.api.request('DELETE', `/chat/${id}`)).body).toEqual({ _id: id, result: 'deleted' });
    expect(await env.api.server.deps.mongo.models.ChatMessage.countDocuments({ session_id: id })).toBe(0);
    expect((await env.api.request('GET', `/chat/${id}`)).status).toBe(404);
  });

  it('checks the assistant before storing anything', async () => {
    const before = await env.api.server.deps.mongo.models.Session.countDocuments();
    const res = await postStream(env.api, '/chat/_create?assistant_id=missing', { message: 'hello' });
    expect(res.status).toBe(404);
    expect((await res.json()) as any).toEqual({ status: 404, error: { reason: 'assistant [missing] is not found' } });
    const noModel = (await env.api.request('POST', '/assistant/', { name: 'no model' })).body._id;
    const res2 = await postStream(env.api, `/chat/_create?assistant_id=${noModel}`, { message: 'hello' });
    expect(((await res2.json()) as any).error.reason).toBe(`assistant [${noModel}] has no answering model configured. Please set it up first`);
    expect(await env.api.server.deps.mongo.models.Session.countDocuments()).toBe(before);
  });

  it('refuses a duplicate send within 100 ms with 429', async () => {
    const session = (await env.api.request('POST', '/chat/_new', {})).body._id;
    env.llm.fallback = () => ({ tokens: tokensOf('dup') });
    const [a, b] = await Promise.all([
      env.api.request('POST', `/chat/${session}/_chat`, { message: 'same' }),
      env.api.request('POST', `/chat/${session}/_chat`, { message: 'same' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 429]);

    // A new chat too, and the refused one stores nothing (the claim is settled before the session is made).
    const sessions = await env.api.server.deps.mongo.models.Session.countDocuments();
    const [c, d] = await Promise.all([
      env.api.request('POST', '/chat/_create', { message: 'same new chat' }),
      env.api.request('POST', '/chat/_create', { message: 'same new chat' }),
    ]);
    expect([c.status, d.status].sort()).toEqual([200, 429]);
    expect(await env.api.server.deps.mongo.models.Session.countDocuments()).toBe(sessions + 1);
  });
});

describe('keepalive and the Temporal view', () => {
  it('an idle session workflow completes after the keepalive, and the next send starts it again', async () => {
    const assistant = await env.api.request('POST', '/assistant/', { name: 'short keepalive', keepalive: '1s', answering_model: { provider_id: 'coco', name: 'test-model' } });
    env.llm.queue.push({ tokens: tokensOf('one') });
    const first = await readNdjson(await postStream(env.api, `/chat/_create?assistant_id=${assistant.body._id}`, { message: 'first' }));
    const sessionId = first[0]._id;
    const handle = env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId));
    await handle.result(); // completes by itself once idle for 1s
    const firstRun = (await handle.describe()).runId;

    env.llm.queue.push({ tokens: tokensOf('two') });
    const second = await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat?assistant_id=${assistant.body._id}`, { message: 'second' }));
    expect(responseText(second.slice(1))).toBe('two');
    expect((await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).describe()).runId).not.toBe(firstRun);
  });

  it('`temporal workflow list` finds a session by its search attribute', async () => {
    env.llm.queue.push({ tokens: tokensOf('listed') });
    const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'find me in temporal' }));
    const sessionId = lines[0]._id;
    const temporal = path.resolve(__dirname, '..', '..', '.tools', 'bin', 'temporal');
    const list = () =>
      execFileSync(temporal, ['workflow', 'list', '--address', env.api.server.deps.config.temporal.address, '--query', `CocoSessionId="${sessionId}"`, '-o', 'json'], { encoding: 'utf8' });
    const out = await waitFor(() => (list().includes(workflowIdForSession(sessionId)) ? list() : undefined), 15_000);
    expect(out).toContain(workflowIdForSession(sessionId));
  });
});
