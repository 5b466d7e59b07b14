// The Sessions page's route (GET /chat/_sessions) on the real stack: two users chat through the API and a
// real worker; the admin sees every user's sessions with their owners, a user only their own; turns count the
// user messages, last activity is the latest message's time, the most recently active session comes first,
// every row links its workflow in the Temporal UI, and paging is bounded.
import { seedUser, TestUser } from '../helpers/api';
import { ChatEnv, postStream, readNdjson, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';

jest.setTimeout(120_000);

let env: ChatEnv;
let ana: TestUser;
let ben: TestUser;
const UI_URL = 'http://temporal-ui.example:8080';

beforeAll(async () => {
  env = await startChatEnv('session-admin', { COCO_TEMPORAL_UI_URL: `${UI_URL}/`, TEMPORAL_NAMESPACE: 'default' });
  env.llm.fallback = () => ({ tokens: tokensOf('An answer.') });
  ana = await seedUser(env.api, 'ana');
  ben = await seedUser(env.api, 'ben');
}, 60_000);
afterAll(() => env?.close());

/** Sends one turn and waits for its reply to end; gives the session id. */
async function turn(user: TestUser, message: string, sessionId?: string): Promise<string> {
  const path = sessionId ? `/chat/${sessionId}/_chat` : '/chat/_create';
  const lines = await readNdjson(await postStream(env.api, path, { message }, user.headers));
  const end = lines.find((l) => l.chunk_type === 'reply_end');
  if (!end) throw new Error(`no reply_end: ${JSON.stringify(lines).slice(0, 300)}`);
  return sessionId ?? (lines[0]._id as string);
}

const overview = (user: TestUser | 'admin', qs = '') => env.api.request('GET', `/chat/_sessions${qs}`, undefined, user === 'admin' ? {} : user.headers);

it("shows an admin every user's sessions and a user their own, with turns, last activity and workflow links", async () => {
  const anaFirst = await turn(ana, 'first question of ana');
  await turn(ana, 'second question of ana', anaFirst);
  await turn(ana, 'third question of ana', anaFirst);
  const benOnly = await turn(ben, 'the question of ben');
  const anaSecond = await turn(ana, 'a new chat of ana');
  await env.api.request('POST', `/chat/${anaSecond}/_close`, {}, ana.headers);
  // The oldest session becomes the most recently active one.
  await turn(ana, 'fourth question of ana', anaFirst);

  const all = await overview('admin');
  expect(all.status).toBe(200);
  expect(all.body).toMatchObject({ total: 3, from: 0, size: 20, all_users: true, temporal_ui: { url: UI_URL, namespace: 'default' } });
  expect(all.body.sessions.map((s: any) => s.id)).toEqual([anaFirst, anaSecond, benOnly]);
  const byId = Object.fromEntries(all.body.sessions.map((s: any) => [s.id, s]));
  expect(byId[anaFirst]).toMatchObject({ status: 'active', turns: 4, owner: { id: 'ana', username: 'ana' }, workflow_id: `chat-session:${anaFirst}` });
  expect(byId[anaSecond]).toMatchObject({ status: 'closed', turns: 1, owner: { id: 'ana', username: 'ana' } });
  expect(byId[benOnly]).toMatchObject({ status: 'active', turns: 1, owner: { id: 'ben', username: 'ben' } });
  expect(byId[anaFirst].workflow_url).toBe(`${UI_URL}/namespaces/default/workflows/chat-session%3A${anaFirst}`);

  // Last activity: the time of the session's latest message (its last reply), as stored.
  const { models } = env.api.server.deps.mongo;
  for (const id of [anaFirst, anaSecond, benOnly]) {
    const latest = (await models.ChatMessage.findOne({ session_id: id }).sort({ created: -1 }).lean()) as { created: Date; type: string };
    expect(latest.type).toBe('assistant');
    expect(new Date(byId[id].last_activity).getTime()).toBe(latest.created.getTime());
  }
  expect(new Date(byId[anaFirst].last_activity).getTime()).toBeGreaterThan(new Date(byId[anaSecond].last_activity).getTime());

  // A user: their own sessions only, the same counts; nothing of anyone else's.
  const mine = await overview(ana);
  expect(mine.status).toBe(200);
  expect(mine.body).toMatchObject({ total: 2, all_users: false });
  expect(mine.body.sessions.map((s: any) => [s.id, s.turns, s.status])).toEqual([
    [anaFirst, 4, 'active'],
    [anaSecond, 1, 'closed'],
  ]);
  const bens = await overview(ben);
  expect(bens.body.total).toBe(1);
  expect(bens.body.sessions.map((s: any) => s.id)).toEqual([benOnly]);
  expect(bens.text).not.toContain(anaFirst);
  expect(bens.text).not.toContain('ana');

  // Nothing but the listed fields: no owner records beyond their names, no message text (but titles).
  expect(Object.keys(byId[anaFirst]).sort()).toEqual(['created', 'id', 'last_activity', 'owner', 'status', 'title', 'turns', 'updated', 'visible', 'workflow_id', 'workflow_url']);
  expect(Object.keys(byId[anaFirst].owner).sort()).toEqual(['id', 'name', 'username']);
  for (const text of ['second question', 'fourth question', 'An answer']) expect(all.text).not.toContain(text);
});

it('pages newest activity first, within bounds', async () => {
  const page1 = await overview('admin', '?from=0&size=2');
  const page2 = await overview('admin', '?from=2&size=2');
  expect(page1.body.sessions).toHaveLength(2);
  expect(page2.body.sessions).toHaveLength(1);
  expect(page2.body.total).toBe(3);
  const all = await overview('admin', '?size=100');
  expect([...page1.body.sessions, ...page2.body.sessions].map((s: any) => s.id)).toEqual(all.body.sessions.map((s: any) => s.id));

  for (const qs of ['?size=101', '?size=0', '?size=-1', '?size=1.5', '?size=abc', '?from=-1', '?from=10000', '?size=1e3']) {
    const res = await overview('admin', qs);
    expect([qs, res.status]).toEqual([qs, 400]);
    expect(res.body.error.reason).toMatch(/^(size|from): expected a whole number/);
  }
});

it('is refused to a widget token and to anonymous callers', async () => {
  const created = await env.api.request('POST', '/integration/', { name: 'widget', enabled_module: { ai_chat: { assistants: ['default'] } } });
  const integration = await env.api.request('GET', `/integration/${created.body._id}`);
  const widget = await env.api.anonymous('GET', '/chat/_sessions', undefined, { 'X-API-TOKEN': integration.body._source.token });
  expect(widget.status).toBe(403);
  expect((await env.api.anonymous('GET', '/chat/_sessions')).status).toBe(401);
});
