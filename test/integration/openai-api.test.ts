// The OpenAI-compatible API with the official openai client against the real server (worker, Temporal,
// FerretDB, Redis, the test model): models, completions streamed and not, reasoning, sessions continued by
// X-Coco-Session-Id, errors in OpenAI's shape, and a stream the client aborts cancelling the turn.
import OpenAI from 'openai';
import { ChatEnv, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { seedUser, TestUser } from '../helpers/api';

let env: ChatEnv;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  env = await startChatEnv('openai');
  alice = await seedUser(env.api, 'openai-alice');
  bob = await seedUser(env.api, 'openai-bob');
}, 60_000);
afterAll(() => env.close());

const client = (token: string) => new OpenAI({ baseURL: `${env.api.url}/v1`, apiKey: token, maxRetries: 0 });

async function historyOf(sessionId: string, token = alice.token) {
  return (await env.api.request('GET', `/chat/${sessionId}/_history`, undefined, { 'X-API-TOKEN': token })).body.hits.hits.map((h: any) => h._source);
}

describe('GET /v1/models', () => {
  it("lists the caller's enabled assistants; a widget only its integration's", async () => {
    const copy = (await env.api.request('POST', '/assistant/default/_clone')).body._id as string;
    const models = await client(alice.token).models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['default', copy]));
    expect(models.data.find((m) => m.id === 'default')).toEqual({ id: 'default', object: 'model', created: expect.any(Number), owned_by: 'coco' });

    const created = await env.api.request('POST', '/integration/', { name: 'openai widget', enabled_module: { ai_chat: { assistants: ['default'] } } });
    const widgetToken = (await env.api.request('GET', `/integration/${created.body._id}`)).body._source.token as string;
    expect((await client(widgetToken).models.list()).data.map((m) => m.id)).toEqual(['default']);
  });
});

describe('POST /v1/chat/completions', () => {
  it('answers one completion with the full text and usage, in a hidden session named by X-Coco-Session-Id', async () => {
    env.llm.queue.push({ tokens: tokensOf('Paris is the capital.') });
    const { data, response } = await client(alice.token)
      .chat.completions.create({ model: 'default', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'Capital of France?' }], temperature: 0.2, user: 'someone' })
      .withResponse();
    expect(data).toMatchObject({ object: 'chat.completion', model: 'default', choices: [{ index: 0, message: { role: 'assistant', content: 'Paris is the capital.' }, finish_reason: 'stop' }] });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    const sessionId = response.headers.get('x-coco-session-id')!;
    expect(sessionId).toBeTruthy();
    expect((await historyOf(sessionId)).map((m: any) => [m.type, m.message])).toEqual([
      ['user', 'Capital of France?'],
      ['assistant', 'Paris is the capital.'],
    ]);
    // Hidden: not in the user's listing.
    const listed = await env.api.request('GET', '/chat/_history', undefined, alice.headers);
    expect(listed.body.hits.hits.map((h: any) => h._id)).not.toContain(sessionId);
  });

  it('streams content deltas in order, ending with finish_reason stop and [DONE]', async () => {
    env.llm.queue.push({ tokens: ['One', ', two', ', three.'] });
    const res = await fetch(`${env.api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'default', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'Count to three' }] }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events[events.length - 1]).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks[0]).toMatchObject({ object: 'chat.completion.chunk', model: 'default', choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }] });
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('One, two, three.');
    expect(chunks[chunks.length - 1].choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop' });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    // The same through the openai client.
    env.llm.queue.push({ tokens: ['Alpha', ' beta', ' gamma'] });
    const stream = await client(alice.token).chat.completions.create({ model: 'default', stream: true, messages: [{ role: 'user', content: 'Greek letters' }] });
    const deltas: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(deltas.join('')).toBe('Alpha beta gamma');
    expect(finish).toBe('stop');
  });

  it('sends the reasoning as reasoning_content, streamed and not', async () => {
    env.llm.queue.push({ tokens: tokensOf('42.'), reasoning: ['Let me', ' think'] });
    const stream = await client(alice.token).chat.completions.create({ model: 'default', stream: true, messages: [{ role: 'user', content: 'The answer?' }] });
    let reasoning = '';
    let content = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      reasoning += delta?.reasoning_content ?? '';
      content += delta?.content ?? '';
    }
    expect(reasoning).toBe('Let me think');
    expect(content).toBe('42.');

    env.llm.queue.push({ tokens: tokensOf('43.'), reasoning: ['Hmm'] });
    const done = await client(alice.token).chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'And now?' }] });
    expect(done.choices[0]!.message).toMatchObject({ content: '43.', reasoning_content: 'Hmm' });
  });

  it('continues a session given in X-Coco-Session-Id: the model gets the first exchange as history', async () => {
    const openai = client(alice.token);
    env.llm.queue.push({ tokens: tokensOf('Nice to meet you, Ada.') });
    const first = await openai.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'My name is Ada.' }] }).withResponse();
    const sessionId = first.response.headers.get('x-coco-session-id')!;

    env.llm.queue.push({ tokens: tokensOf('You are Ada.') });
    const second = await openai.chat.completions
      .create({ model: 'default', messages: [{ role: 'user', content: 'What is my name?' }] }, { headers: { 'X-Coco-Session-Id': sessionId } })
      .withResponse();
    expect(second.response.headers.get('x-coco-session-id')).toBe(sessionId);
    expect(second.data.choices[0]!.message.content).toBe('You are Ada.');
    const call = env.pipelineRequests().filter((r) => JSON.stringify(r.body.messages).includes('What is my name?')).pop()!;
    const said = JSON.stringify(call.body.messages);
    expect(said).toContain('My name is Ada.');
    expect(said).toContain('Nice to meet you, Ada.');
    expect((await historyOf(sessionId)).map((m: any) => m.message)).toEqual(['My name is Ada.', 'Nice to meet you, Ada.', 'What is my name?', 'You are Ada.']);
  });

  it("answers another user's session, an unknown session and an unknown model with 404 in OpenAI's shape", async () => {
    env.llm.queue.push({ tokens: tokensOf('Mine.') });
    const bobs = await client(bob.token).chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    const bobSession = bobs.response.headers.get('x-coco-session-id')!;
    const before = env.pipelineRequests().length;

    for (const id of [bobSession, 'no-such-session']) {
      const err = await client(alice.token)
        .chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'steal' }] }, { headers: { 'X-Coco-Session-Id': id } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({ message: `session [${id}] is not found`, type: 'invalid_request_error', param: null, code: 'session_not_found' });
    }
    const unknown = await client(alice.token).chat.completions.create({ model: 'no-such-assistant', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
    expect(env.pipelineRequests().length).toBe(before);
    expect((await historyOf(bobSession, bob.token)).map((m: any) => m.message)).toEqual(['hello', 'Mine.']);
  });

  it("refuses a bad body with 400 in OpenAI's shape", async () => {
    const bad = await client(alice.token).chat.completions.create({ model: 'default', messages: [] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('messages') });
    const raw = await env.api.request('POST', '/v1/chat/completions', { model: 'default', messages: [{ role: 'assistant', content: 'no user' }] }, alice.headers);
    expect(raw.status).toBe(400);
    expect(raw.body).toEqual({ error: { message: 'messages: the last user message must have text', type: 'invalid_request_error', param: 'messages', code: null } });
  });

  it('a stream the client aborts ends the turn: the saved reply ends user_cancelled', async () => {
    env.llm.queue.push({ tokens: tokensOf('word '.repeat(200)), delayMs: 50 });
    const abort = new AbortController();
    const { data: stream, response } = await client(alice.token)
      .chat.completions.create({ model: 'default', stream: true, messages: [{ role: 'user', content: 'Talk for long' }] }, { signal: abort.signal })
      .withResponse();
    const sessionId = response.headers.get('x-coco-session-id')!;
    let got = '';
    // The openai client ends an aborted stream quietly (or throws, by version): either way it is over.
    await (async () => {
      for await (const chunk of stream) {
        got += chunk.choices[0]?.delta.content ?? '';
        if (got.length > 10) abort.abort();
      }
    })().catch(() => undefined);
    expect(abort.signal.aborted).toBe(true);
    let reply: any;
    for (let i = 0; i < 200 && !reply; i++) {
      reply = (await historyOf(sessionId)).find((m: any) => m.type === 'assistant');
      if (!reply) await new Promise((r) => setTimeout(r, 50));
    }
    expect(reply.details.find((d: any) => d.type === 'reply_end').payload).toEqual({ reason: 'user_cancelled' });
    expect(reply.message.length).toBeLessThan('word '.repeat(200).length);
  }, 30_000);

  it('takes a user token; a token whose roles lack chat gets 403', async () => {
    env.llm.queue.push({ tokens: tokensOf('Hi.') });
    expect((await client(alice.token).chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content).toBe('Hi.');
    const guest = await seedUser(env.api, 'openai-guest', ['guest']);
    const refused = await client(guest.token).chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((refused as InstanceType<typeof OpenAI.PermissionDeniedError>).status).toBe(403);
    const anonymous = await client('wrong-token').models.list().catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
