// Chat over both transports, with a real worker, Temporal, FerretDB, Redis and the test model.
import { ChatEnv, connectWs, endReason, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { busKeys } from '../../src/bus/keys';
import { ReplyPublisher } from '../../src/bus/publisher';
import { attachReply, detachReply } from '../../src/bus/ws-attach';

let env: ChatEnv;
beforeAll(async () => {
  env = await startChatEnv('stream');
}, 60_000);
afterAll(() => env.close());

const wsUrl = () => `ws://127.0.0.1:${env.api.server.apiPort}/ws`;

function expectGapFree(chunks: { seq: number }[]) {
  expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i + 1));
}

describe('WebSocket transport', () => {
  it('refuses an upgrade without a valid token', async () => {
    await expect(connectWs(wsUrl(), 'wrong-token')).rejects.toThrow(/401/);
  });

  it('_new with a message streams the reply to the socket and saves it', async () => {
    env.llm.queue.push({ tokens: tokensOf('Bonjour, je vais bien.'), reasoning: ['thinking', ' hard'] });
    const ws = await connectWs(wsUrl(), env.api.token);
    expect(ws.frames[0]).toBe(`CONFIG websocket-session-id: ${ws.id}`);
    const res = await env.api.request('POST', '/chat/_new', { message: 'how are you doing?' }, { 'WEBSOCKET-SESSION-ID': ws.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ result: 'created', _source: { status: 'active', title: 'how are you doing?', visible: true }, payload: { type: 'user', message: 'how are you doing?', assistant_id: 'default' } });
    const sessionId = res.body._id;
    const userMessageId = res.body.payload.id;

    const chunks = await ws.replyEnded(userMessageId);
    expectGapFree(chunks);
    expect(responseText(chunks)).toBe('Bonjour, je vais bien.');
    expect(chunks.filter((c) => c.chunk_type === 'think').map((c) => c.message_chunk).join('')).toBe('thinking hard');
    expect(chunks[0]).toMatchObject({ chunk_type: 'response', message_chunk: '', chunk_sequence: 0, session_id: sessionId, message_type: 'assistant' });
    expect(endReason(chunks)).toBe('completed');
    const replyId = chunks[0]!.message_id;

    const history = await env.api.request('GET', `/chat/${sessionId}/_history`);
    expect(history.body.hits.hits.map((h: any) => [h._source.type, h._source.message])).toEqual([
      ['user', 'how are you doing?'],
      ['assistant', 'Bonjour, je vais bien.'],
    ]);
    const saved = history.body.hits.hits[1]._source;
    expect(saved).toMatchObject({ id: replyId, reply_to_message: userMessageId, assistant_id: 'default' });
    expect(saved.details).toEqual(expect.arrayContaining([{ order: 50, type: 'think', description: 'thinking hard' }]));
    ws.close();
  });

  it('_send needs a known WEBSOCKET-SESSION-ID, and stores nothing otherwise', async () => {
    const session = (await env.api.request('POST', '/chat/_new', {})).body._id;
    const missing = await env.api.request('POST', `/chat/${session}/_send`, { message: 'hi' });
    expect(missing.status).toBe(400);
    const unknown = await env.api.request('POST', `/chat/${session}/_send`, { message: 'hi' }, { 'WEBSOCKET-SESSION-ID': 'nope' });
    expect(unknown.body).toEqual({ status: 404, error: { reason: 'websocket session [nope] is not connected' } });
    expect((await env.api.request('GET', `/chat/${session}/_history`)).body.hits.total.value).toBe(0);
  });

  it('a socket told to follow a reply relays its chunks, and stops once told to detach', async () => {
    const ws = await connectWs(wsUrl(), env.api.token);
    const { redis, config } = env.api.server.deps;
    const keys = busKeys(config.redis.prefix);
    const open = async (replyId: string) =>
      (await ReplyPublisher.open(redis, keys, { sessionId: 's', replyId, userMessageId: `u-${replyId}` }, { logTtlSec: 60, coalesceMs: 0 })).publisher;
    const seen = async (replyTo: string, text: string) => {
      for (let i = 0; i < 200 && !ws.chunks.some((c) => c.reply_to_message === replyTo && c.message_chunk === text); i++) await new Promise((r) => setTimeout(r, 10));
      expect(ws.chunks.some((c) => c.reply_to_message === replyTo && c.message_chunk === text)).toBe(true);
    };
    const [r1, r2] = [`r1-${Date.now()}`, `r2-${Date.now()}`];
    const p1 = await open(r1);
    await attachReply(redis, keys, ws.id, r1, 0);
    await p1.send('response', 'before');
    await seen(`u-${r1}`, 'before');

    await detachReply(redis, keys, ws.id, r1);
    // Notices to a socket are handled in order: once r2's chunk arrives, the detach was handled.
    const p2 = await open(r2);
    await attachReply(redis, keys, ws.id, r2, 0);
    await p1.send('response', 'after');
    await p2.send('response', 'barrier');
    await seen(`u-${r2}`, 'barrier');
    expect(ws.chunks.some((c) => c.message_chunk === 'after')).toBe(false);
    ws.close();
  });
});

describe('NDJSON transport', () => {
  it('_create streams line 1 then the chunks until reply_end', async () => {
    env.llm.queue.push({ tokens: tokensOf('Streaming over HTTP works.') });
    const res = await postStream(env.api, '/chat/_create', { message: 'stream please' });
    expect(res.status).toBe(200);
    const lines = await readNdjson(res);
    expect(lines[0]).toMatchObject({ result: 'created', _source: { title: 'stream please' }, payload: { type: 'user', message: 'stream please' } });
    const chunks = lines.slice(1);
    expectGapFree(chunks);
    expect(chunks.at(-1).chunk_type).toBe('reply_end');
    expect(responseText(chunks)).toBe('Streaming over HTTP works.');
  });

  it('_chat continues a session and the model sees the history', async () => {
    env.llm.queue.push({ tokens: tokensOf('First answer.') });
    const first = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'remember the word banana' }));
    const sessionId = first[0]._id;
    env.llm.queue.push({ tokens: tokensOf('You said banana.') });
    const lines = await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'what word?' }));
    expect(lines[0]).toEqual([expect.objectContaining({ result: 'created', _source: expect.objectContaining({ message: 'what word?', session_id: sessionId }) })]);
    expect(responseText(lines.slice(1))).toBe('You said banana.');
    const prompt = env.pipelineRequests().at(-1)!.body.messages.at(-1).content as string;
    expect(prompt).toContain('user: remember the word banana');
    expect(prompt).toContain('assistant: First answer.');
    expect(prompt).toContain('what word?');
  });

  it('/assistant/:id/_ask answers in a hidden session', async () => {
    env.llm.queue.push({ tokens: tokensOf('Overview.') });
    const lines = await readNdjson(await postStream(env.api, '/assistant/ai_overview/_ask', { message: 'summarise these results' }));
    expect(lines[0]._source.visible).toBe(false);
    expect(responseText(lines.slice(1))).toBe('Overview.');
    const list = await env.api.request('GET', '/chat/_history?size=100');
    expect(list.body.hits.hits.map((h: any) => h._id)).not.toContain(lines[0]._id);
    expect((await postStream(env.api, '/assistant/ai_overview/_ask', { message: '' })).status).toBe(400);
  });

  it('a provider failure ends the reply with the error, saved', async () => {
    env.llm.queue.push({ status: 401 });
    const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'fail please' }));
    const chunks = lines.slice(1);
    const system = chunks.find((c: any) => c.chunk_type === 'response' && c.message_type === 'system');
    expect(system.message_chunk).toMatch(/^⚠️ error in async processing message reply, .*401/);
    expect(JSON.parse(chunks.at(-1).message_chunk)).toMatchObject({ reason: 'error' });
    const history = await env.api.request('GET', `/chat/${lines[0]._id}/_history`);
    expect(history.body.hits.hits[1]._source.message).toMatch(/^⚠️ error/);
  });
});
