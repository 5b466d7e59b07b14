// Two real users on one server: another user's session id, message id, reply id or socket id never
// reaches anything of theirs, on every route that takes one; and session ids cannot be guessed.
import { seedUser, TestUser } from '../helpers/api';
import { ChatEnv, connectWs, endReason, readNdjson, responseText, startChatEnv, WsClient } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
let alice: TestUser;
let bob: TestUser;
const LONG = tokensOf('word '.repeat(80));

beforeAll(async () => {
  env = await startChatEnv('isolation');
  alice = await seedUser(env.api, 'alice');
  bob = await seedUser(env.api, 'bob');
}, 60_000);
afterAll(() => env.close());

const wsUrl = () => `ws://127.0.0.1:${env.api.server.wsPort}/ws`;
const as = (u: TestUser, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => env.api.anonymous(method, p, body, { ...u.headers, ...headers });
const stream = (u: TestUser, p: string, body: unknown) => fetch(env.api.url + p, { method: 'POST', headers: u.headers, body: JSON.stringify(body) });

async function waitFor(check: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("another user's ids", () => {
  let aliceWs: WsClient;
  let aliceSession: string;
  let aliceMessage: string;
  let aliceReply: string;
  let bobSession: string;

  beforeAll(async () => {
    aliceWs = await connectWs(wsUrl(), alice.token);
    const lines = await readNdjson(await stream(alice, '/chat/_create', { message: 'alice asks' }));
    aliceSession = lines[0]._id;
    aliceMessage = lines[0].payload.id;
    aliceReply = lines.find((l) => l.chunk_type === 'reply_end').message_id;
    bobSession = (await as(bob, 'POST', '/chat/_new', {})).body._id;
    // Her title follows the reply: wait for it, so the session is at rest before bob tries anything.
    let titled = false;
    const deadline = Date.now() + 10_000;
    while (!titled && Date.now() < deadline) {
      titled = (await as(alice, 'GET', `/chat/${aliceSession}`)).body._source.title_generated === true;
      if (!titled) await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(() => aliceWs.close());

  it('session routes answer 404 for her session and change nothing', async () => {
    const before = (await as(alice, 'GET', `/chat/${aliceSession}`)).body;
    const calls: Array<[string, string, unknown?]> = [
      ['GET', `/chat/${aliceSession}`],
      ['PUT', `/chat/${aliceSession}`, { title: 'taken over' }],
      ['GET', `/chat/${aliceSession}/_history`],
      ['POST', `/chat/${aliceSession}/_open`],
      ['POST', `/chat/${aliceSession}/_close`],
      ['POST', `/chat/${aliceSession}/_send`, { message: 'hi' }],
      ['POST', `/chat/${aliceSession}/_chat`, { message: 'hi' }],
      ['GET', `/chat/${aliceSession}/_stream?message_id=${aliceMessage}`],
      ['DELETE', `/chat/${aliceSession}`],
    ];
    for (const [method, p, body] of calls) expect([method, p, (await as(bob, method, p, body)).status]).toEqual([method, p, 404]);
    const after = (await as(alice, 'GET', `/chat/${aliceSession}`)).body;
    expect(after._source).toEqual(before._source);
    expect((await as(alice, 'GET', `/chat/${aliceSession}/_history`)).body.hits.total.value).toBe(2);
    expect((await as(bob, 'GET', '/chat/_history')).body.hits.hits.map((h: any) => h._id)).toEqual([bobSession]);
  });

  it("her message or reply id in his own session reaches nothing of hers", async () => {
    for (const id of [aliceMessage, aliceReply]) {
      expect((await as(bob, 'GET', `/chat/${bobSession}/_stream?message_id=${id}`)).status).toBe(404);
    }
  });

  it('her socket id is "not connected" for him: _new, _send and _stream refuse it', async () => {
    const ws = { 'WEBSOCKET-SESSION-ID': aliceWs.id };
    const refused = { status: 404, error: { reason: `websocket session [${aliceWs.id}] is not connected` } };
    const newRes = await as(bob, 'POST', '/chat/_new', { message: 'into her socket' }, ws);
    expect(newRes.body).toEqual(refused);
    expect((await as(bob, 'POST', `/chat/${bobSession}/_send`, { message: 'into her socket' }, ws)).body).toEqual(refused);
    const own = await readNdjson(await stream(bob, `/chat/${bobSession}/_chat`, { message: 'bob asks' }));
    expect((await as(bob, 'GET', `/chat/${bobSession}/_stream?message_id=${own[0][0]._id}`, undefined, ws)).body).toEqual(refused);
    // Nothing of his reached her socket, and her own socket still works for her.
    expect(aliceWs.chunks.filter((c) => c.session_id !== aliceSession)).toEqual([]);
    const mine = await as(alice, 'POST', `/chat/${aliceSession}/_send`, { message: 'on my socket' }, ws);
    expect(mine.status).toBe(200);
    expect(endReason(await aliceWs.replyEnded(mine.body[0]._id))).toBe('completed');
  });

  it("_cancel with her message id in his session does not stop her reply", async () => {
    env.llm.queue.push({ tokens: LONG, delayMs: 15 });
    const running = await as(alice, 'POST', `/chat/${aliceSession}/_send`, { message: 'long one' }, { 'WEBSOCKET-SESSION-ID': aliceWs.id });
    const userMessageId = running.body[0]._id as string;
    await waitFor(() => aliceWs.chunks.filter((c) => c.reply_to_message === userMessageId && c.chunk_type === 'response').length > 3);
    expect((await as(bob, 'POST', `/chat/${bobSession}/_cancel?message_id=${userMessageId}`)).body).toEqual({ acknowledged: true });
    expect((await as(bob, 'POST', `/chat/${aliceSession}/_cancel?message_id=${userMessageId}`)).body).toEqual({ acknowledged: true });
    const chunks = await aliceWs.replyEnded(userMessageId);
    expect(endReason(chunks)).toBe('completed');
    expect(responseText(chunks)).toBe(LONG.join(''));
  });
});

it('gives sessions ids nobody can derive from another', async () => {
  const ids = await Promise.all([1, 2, 3, 4].map(async (n) => (await as(alice, 'POST', `/chat/_new?n=${n}`, {})).body._id as string));
  for (const id of ids) expect(id).toMatch(/^[0-9a-v]{20}$/);
  // xids made in one second by one process share their first 10+ characters; random ids do not.
  const prefix = (a: string, b: string) => [...a].findIndex((c, i) => c !== b[i]);
  expect(Math.max(...ids.slice(1).map((id) => prefix(id, ids[0]!)))).toBeLessThan(6);
});

it("registers a socket under the user who opened it", async () => {
  const bobWs = await connectWs(wsUrl(), bob.token);
  try {
    expect(await env.api.server.deps.redis.get(`${env.env.COCO_REDIS_PREFIX}ws:${bobWs.id}`)).toBe(bob.id);
  } finally {
    bobWs.close();
  }
});
