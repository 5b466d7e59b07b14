// Integrations (web widgets) end to end on the real stack: admin CRUD, the public widget configuration,
// what a widget token may do (chat with its assistants only, from its origins only), and changes to an
// integration applied to its token at once.
import WebSocket from 'ws';
import { seedUser, TestUser } from '../helpers/api';
import { ChatEnv, endReason, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';

const GOOD = 'https://good.example';
const EVIL = 'https://evil.example';

let env: ChatEnv;
let plain: TestUser;
beforeAll(async () => {
  env = await startChatEnv('integrations');
  plain = await seedUser(env.api, 'plain-user');
}, 60_000);
afterAll(() => env.close());

const as = (token: string, extra: Record<string, string> = {}) => ({ 'X-API-TOKEN': token, ...extra });

/** The body of an integration: a site allowed to chat with `assistants`, from `origins`. */
function integrationBody(name: string, opts: { assistants?: string[]; origins?: string[]; enabled?: boolean; datasources?: string[] } = {}) {
  return {
    name,
    enabled: opts.enabled ?? true,
    cors: { allowed_origins: opts.origins ?? [GOOD] },
    enabled_module: { ai_chat: { assistants: opts.assistants ?? ['default'] }, search: { datasource: opts.datasources ?? ['ds-docs'] } },
  };
}

async function createIntegration(name: string, opts: Parameters<typeof integrationBody>[1] = {}): Promise<{ id: string; token: string }> {
  const res = await env.api.request('POST', '/integration/', integrationBody(name, opts));
  expect(res.status).toBe(200);
  expect(res.body.result).toBe('created');
  const got = await env.api.request('GET', `/integration/${res.body._id}`);
  expect(got.status).toBe(200);
  return { id: res.body._id, token: got.body._source.token };
}

describe('admin CRUD', () => {
  it('creates an integration with its own widget token, reads, updates and deletes it', async () => {
    const created = await env.api.request('POST', '/integration/', integrationBody('Docs site'));
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ _id: expect.any(String), result: 'created' });
    const id = created.body._id as string;

    const got = await env.api.request('GET', `/integration/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      _id: id,
      found: true,
      _source: {
        name: 'Docs site',
        enabled: true,
        cors: { enabled: true, allowed_origins: [GOOD] },
        enabled_module: { ai_chat: { enabled: true, assistants: ['default'] }, search: { enabled: true, datasource: ['ds-docs'] } },
      },
    });
    const token = got.body._source.token as string;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    // the token acts for the integration's own service user, with the widget role only
    const me = await env.api.anonymous('GET', '/account/profile', undefined, as(token));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: `widget-${id}`, roles: ['widget'] });

    const listed = await env.api.request('GET', '/integration/_search?query=Docs');
    expect(listed.body.hits.hits.map((h: any) => h._id)).toEqual([id]);

    const updated = await env.api.request('PUT', `/integration/${id}`, { ...integrationBody('Docs site v2'), description: 'renamed' });
    expect(updated.body).toEqual({ _id: id, result: 'updated' });
    const after = (await env.api.request('GET', `/integration/${id}`)).body._source;
    expect(after).toMatchObject({ name: 'Docs site v2', description: 'renamed', token });
    // a token sent in the input is not taken
    await env.api.request('PUT', `/integration/${id}`, { ...integrationBody('Docs site v2'), token: 'chosen-by-client' });
    expect((await env.api.request('GET', `/integration/${id}`)).body._source.token).toBe(token);

    expect((await env.api.request('DELETE', `/integration/${id}`)).body).toEqual({ _id: id, result: 'deleted' });
    expect((await env.api.request('GET', `/integration/${id}`)).status).toBe(404);
    expect((await env.api.anonymous('GET', '/account/profile', undefined, as(token))).status).toBe(401);
    expect(await env.api.server.deps.mongo.models.User.countDocuments({ _id: `widget-${id}` })).toBe(0);
    expect(await env.api.server.deps.mongo.models.ApiToken.countDocuments({ integration_id: id })).toBe(0);
  });

  it('refuses an allowed origin that is not scheme://host[:port] with 400, storing nothing', async () => {
    const before = await env.api.server.deps.mongo.models.Integration.countDocuments();
    for (const origin of ['https://x.example/path', 'not a url', 'ftp://files.example', 'https://x.example?q=1']) {
      const res = await env.api.request('POST', '/integration/', integrationBody('bad origin', { origins: [origin] }));
      expect({ origin, status: res.status }).toEqual({ origin, status: 400 });
      expect(res.body.error.reason).toContain('each allowed origin must be scheme://host[:port]');
    }
    expect(await env.api.server.deps.mongo.models.Integration.countDocuments()).toBe(before);
    // a port is fine, and a trailing slash is dropped
    const ok = await env.api.request('POST', '/integration/', integrationBody('with port', { origins: ['http://localhost:8080/'] }));
    expect(ok.status).toBe(200);
    expect((await env.api.request('GET', `/integration/${ok.body._id}`)).body._source.cors.allowed_origins).toEqual(['http://localhost:8080']);
  });

  it('is for admins only: a user token gets 403 on every /integration/ route but the public widget', async () => {
    const { id, token } = await createIntegration('admins only');
    const denied = { status: 403, error: { reason: 'permission [integration:manage] not allowed' } };
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/integration/_search'],
      ['POST', '/integration/_search', {}],
      ['POST', '/integration/', integrationBody('by a user')],
      ['GET', `/integration/${id}`],
      ['PUT', `/integration/${id}`, integrationBody('taken over', { origins: [EVIL] })],
      ['DELETE', `/integration/${id}`],
    ];
    for (const caller of [plain.token, token]) {
      for (const [method, path, body] of routes) {
        const res = await env.api.anonymous(method, path, body, as(caller));
        expect({ method, path, status: res.status, body: res.body }).toEqual({ method, path, status: 403, body: denied });
      }
    }
    const still = (await env.api.request('GET', `/integration/${id}`)).body._source;
    expect(still).toMatchObject({ name: 'admins only', cors: { allowed_origins: [GOOD] } });
    expect((await env.api.anonymous('GET', `/integration/${id}/widget`, undefined, as(plain.token))).status).toBe(200);
  });
});

describe('public widget configuration', () => {
  it('is served without a token: the token, modules and look, never the service user or token id', async () => {
    const { id, token } = await createIntegration('public widget');
    const stored = (await env.api.server.deps.mongo.models.Integration.findById(id).lean()) as any;
    expect(stored.token_id).toEqual(expect.any(String));

    const res = await env.api.anonymous('GET', `/integration/${id}/widget`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id,
      name: 'public widget',
      token,
      enabled_module: { ai_chat: { assistants: ['default'] }, search: { datasource: ['ds-docs'] } },
      appearance: { theme: 'auto' },
      endpoint: expect.any(String),
    });
    expect(res.body).not.toHaveProperty('user_id');
    expect(res.body).not.toHaveProperty('token_id');
    expect(res.text).not.toContain(stored.token_id);
    expect(res.text).not.toContain(`widget-${id}`);
    expect(res.text).not.toContain('allowed_origins'); // the CORS list is the server's business
    expect((await env.api.anonymous('GET', '/integration/no-such-integration/widget')).status).toBe(404);
  });

  it('a disabled integration has no widget (404) and its token is refused everywhere (401)', async () => {
    const { id, token } = await createIntegration('to disable');
    expect((await env.api.anonymous('GET', '/assistant/_search', undefined, as(token))).status).toBe(200); // cached as valid
    const open = await openWs(token, GOOD);
    if (!('socket' in open)) throw new Error(`the widget's socket was refused: ${JSON.stringify(open)}`);
    const closed = new Promise<number>((r) => open.socket.on('close', (code) => r(code)));
    expect((await env.api.request('PUT', `/integration/${id}`, integrationBody('to disable', { enabled: false }))).status).toBe(200);
    expect(await closed).toBe(1008); // its open socket is closed at once

    const widget = await env.api.anonymous('GET', `/integration/${id}/widget`);
    expect(widget.status).toBe(404);
    expect(widget.body).toEqual({ _id: id, found: false });
    for (const [method, path] of [
      ['GET', '/assistant/_search'],
      ['GET', '/assistant/default'],
      ['POST', '/chat/_create?assistant_id=default'],
      ['GET', '/account/profile'],
      ['GET', `/integration/${id}/widget`],
    ]) {
      const res = await env.api.anonymous(method!, path!, method === 'POST' ? { message: 'hi' } : undefined, as(token));
      expect({ path, status: res.status }).toEqual({ path, status: path!.endsWith('/widget') ? 404 : 401 });
    }
    const ws = await openWs(token, GOOD);
    expect(ws).toEqual({ refused: 401 });

    // enabled again, the same token works again
    expect((await env.api.request('PUT', `/integration/${id}`, integrationBody('to disable'))).status).toBe(200);
    expect((await env.api.anonymous('GET', '/assistant/_search', undefined, as(token))).status).toBe(200);
    expect((await env.api.anonymous('GET', `/integration/${id}/widget`)).body.token).toBe(token);
  });
});

/** Opens a WebSocket with the token (and Origin): `opened` once its CONFIG frame came, or the refusing status. */
function openWs(token: string, origin?: string): Promise<{ opened: true; socket: WebSocket } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${env.api.server.wsPort}/ws`, { headers: as(token), ...(origin && { origin }) });
    socket.on('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      res.resume();
      socket.terminate();
    });
    socket.on('error', (err) => reject(err));
    socket.on('message', (data) => {
      if (data.toString().startsWith('CONFIG websocket-session-id:')) resolve({ opened: true, socket });
    });
  });
}

describe('the widget token', () => {
  let widget: { id: string; token: string };
  beforeAll(async () => {
    widget = await createIntegration('chat widget');
  });

  it('chats with its assistant over NDJSON', async () => {
    env.llm.queue.push({ tokens: tokensOf('Hello from the widget assistant.') });
    const res = await postStream(env.api, '/chat/_create?assistant_id=default', { message: 'hello, widget' }, as(widget.token));
    expect(res.status).toBe(200);
    const lines = await readNdjson(res);
    expect(lines[0]).toMatchObject({ _id: expect.any(String) });
    expect(responseText(lines.slice(1))).toBe('Hello from the widget assistant.');
    expect(endReason(lines.slice(1))).toBe('completed');
    // the session is the widget's (its service user's)
    const session = await env.api.anonymous('GET', `/chat/${lines[0]._id}`, undefined, as(widget.token));
    expect(session.status).toBe(200);
    expect((await env.api.anonymous('GET', `/chat/${lines[0]._id}`, undefined, plain.headers)).status).toBe(404);
  });

  it('reads only its allowed assistants', async () => {
    const everyone = await env.api.request('GET', '/assistant/_search?size=100');
    const allIds = everyone.body.hits.hits.map((h: any) => h._id);
    expect(allIds).toEqual(expect.arrayContaining(['default', 'ai_overview']));
    const mine = await env.api.anonymous('GET', '/assistant/_search?size=100', undefined, as(widget.token));
    expect(mine.status).toBe(200);
    expect(mine.body.hits.hits.map((h: any) => h._id)).toEqual(['default']);
    expect(mine.body.hits.total.value).toBe(1);
    // even when asking for another by id
    const asked = await env.api.anonymous('POST', '/assistant/_search', { query: { ids: { values: ['ai_overview'] } } }, as(widget.token));
    expect(asked.body.hits.hits).toEqual([]);
    expect((await env.api.anonymous('GET', '/assistant/default', undefined, as(widget.token))).status).toBe(200);
    expect((await env.api.anonymous('GET', '/assistant/ai_overview', undefined, as(widget.token))).status).toBe(404);
  });

  it('gets 404 for another assistant, storing no session', async () => {
    const other = await env.api.request('POST', '/assistant/', { name: 'not for widgets', answering_model: { provider_id: 'coco', name: 'test-model' } });
    const sessions = await env.api.server.deps.mongo.models.Session.countDocuments();
    for (const assistant of ['ai_overview', other.body._id]) {
      const res = await postStream(env.api, `/chat/_create?assistant_id=${assistant}`, { message: 'let me in' }, as(widget.token));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ status: 404, error: { reason: `assistant [${assistant}] is not found` } });
    }
    const ask = await postStream(env.api, '/assistant/ai_overview/_ask', { message: 'summarise' }, as(widget.token));
    expect(ask.status).toBe(404);
    await ask.body?.cancel();
    expect(await env.api.server.deps.mongo.models.Session.countDocuments()).toBe(sessions);
  });

  it('may not list sessions, write anything, read providers or users, or mint tokens', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['GET', '/chat/_history', undefined, 'chat:list'],
      ['POST', '/assistant/', { name: 'by a widget' }, 'assistant:write'],
      ['PUT', '/assistant/default', { name: 'Coco AI' }, 'assistant:write'],
      ['POST', '/assistant/default/_clone', undefined, 'assistant:write'],
      ['GET', '/model_provider/_search', undefined, 'provider:read'],
      ['GET', '/datasource/_search', undefined, 'datasource:read'],
      ['GET', '/mcp_server/_search', undefined, 'mcp_server:read'],
      ['GET', '/user/_search', undefined, 'user:manage'],
      ['POST', '/auth/request_access_token', { name: 'escape' }, 'token:own'],
      ['GET', '/auth/access_token/_cat', undefined, 'token:own'],
      ['PUT', '/account/password', { old_password: 'x', new_password: 'whatever-long' }, 'account'],
    ];
    for (const [method, path, body, permission] of cases) {
      const res = await env.api.anonymous(method, path, body, as(widget.token));
      expect({ method, path, status: res.status, body: res.body }).toEqual({ method, path, status: 403, body: { status: 403, error: { reason: `permission [${permission}] not allowed` } } });
    }
    expect(await env.api.server.deps.mongo.models.Assistant.countDocuments({ name: 'by a widget' })).toBe(0);
  });

  it('cannot be logged out by a visitor: it is not a login', async () => {
    const out = await env.api.anonymous('POST', '/account/logout', undefined, as(widget.token));
    expect(out.status).toBe(200);
    expect((await env.api.anonymous('GET', '/assistant/default', undefined, as(widget.token))).status).toBe(200);
    expect(await env.api.server.deps.mongo.models.ApiToken.countDocuments({ integration_id: widget.id })).toBe(1);
  });
});

describe('origins', () => {
  let widget: { id: string; token: string };
  beforeAll(async () => {
    widget = await createIntegration('origin widget');
  });

  it('answers the widget token from an allowed origin, with CORS headers', async () => {
    const res = await env.api.anonymous('GET', '/assistant/_search', undefined, as(widget.token, { Origin: GOOD }));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(GOOD);
    expect(res.body.hits.hits.map((h: any) => h._id)).toEqual(['default']);
    env.llm.queue.push({ tokens: tokensOf('From a good page.') });
    const chat = await postStream(env.api, '/chat/_create', { message: 'from the page' }, as(widget.token, { Origin: GOOD }));
    expect(chat.status).toBe(200);
    expect(chat.headers.get('access-control-allow-origin')).toBe(GOOD);
    expect(responseText((await readNdjson(chat)).slice(1))).toBe('From a good page.');
  });

  it('refuses the widget token from any other origin with 403 and no CORS headers', async () => {
    const sessions = await env.api.server.deps.mongo.models.Session.countDocuments();
    for (const [method, path] of [
      ['GET', '/assistant/_search'],
      ['POST', '/chat/_create?assistant_id=default'],
      ['GET', '/account/profile'],
    ]) {
      const res = await env.api.anonymous(method!, path!, method === 'POST' ? { message: 'from evil' } : undefined, as(widget.token, { Origin: EVIL }));
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 403, body: { status: 403, error: { reason: `origin [${EVIL}] is not allowed for this integration` } } });
      for (const h of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-headers']) expect(res.headers.get(h)).toBeNull();
    }
    expect(await env.api.server.deps.mongo.models.Session.countDocuments()).toBe(sessions);
    // other tokens are not limited by origin; the widget token without an Origin (not a browser) is
    const admin = await env.api.request('GET', '/assistant/_search', undefined, { Origin: EVIL });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('access-control-allow-origin')).toBe('*');
    expect((await env.api.anonymous('GET', '/assistant/_search', undefined, as(widget.token))).status).toBe(200);
  });

  it('refuses a WebSocket upgrade with the widget token from another origin', async () => {
    const bad = await openWs(widget.token, EVIL);
    expect(bad).toEqual({ refused: 403 });
    const good = await openWs(widget.token, GOOD);
    expect('opened' in good && good.opened).toBe(true);
    if ('socket' in good) good.socket.close();
  });
});

describe('changing an integration', () => {
  it('applies to its token at once: assistants and origins', async () => {
    const widget = await createIntegration('changing widget', { assistants: ['default', 'ai_overview'] });
    const read = (id: string, headers: Record<string, string> = {}) => env.api.anonymous('GET', `/assistant/${id}`, undefined, as(widget.token, headers));
    // warm: the token is cached as valid, with both assistants
    expect((await read('default')).status).toBe(200);
    expect((await read('ai_overview', { Origin: GOOD })).status).toBe(200);

    const put = await env.api.request('PUT', `/integration/${widget.id}`, integrationBody('changing widget', { assistants: ['ai_overview'], origins: ['https://other.example'] }));
    expect(put.status).toBe(200);
    // the very next requests follow the new limits
    expect((await read('default')).status).toBe(404);
    const chat = await postStream(env.api, '/chat/_create?assistant_id=default', { message: 'still allowed?' }, as(widget.token));
    expect(chat.status).toBe(404);
    await chat.body?.cancel();
    const search = await env.api.anonymous('GET', '/assistant/_search', undefined, as(widget.token));
    expect(search.body.hits.hits.map((h: any) => h._id)).toEqual(['ai_overview']);
    expect((await read('ai_overview', { Origin: GOOD })).status).toBe(403);
    expect((await read('ai_overview', { Origin: 'https://other.example' })).status).toBe(200);

    // switching the chat module off allows no assistant at all
    const off = integrationBody('changing widget', { assistants: ['ai_overview'] });
    const put2 = await env.api.request('PUT', `/integration/${widget.id}`, { ...off, enabled_module: { ...off.enabled_module, ai_chat: { enabled: false, assistants: ['ai_overview'] } } });
    expect(put2.status).toBe(200);
    expect((await read('ai_overview')).status).toBe(404);
    expect((await env.api.anonymous('GET', '/assistant/_search', undefined, as(widget.token))).body.hits.hits).toEqual([]);
  });
});
