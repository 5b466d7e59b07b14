// /mcp_server/: the three transport types, validation, and env secrets never leaving the server.
import { startTestApi, TestApi, TestResponse } from '../helpers/api';

const SECRET = 'ghp_plainEnvSecretValue123456';
const OTHER_SECRET = 'another-plain-env-secret-987';
const MASK = '******';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('mcpservers');
});

afterAll(async () => {
  await api?.close();
});

function stdio(overrides: Record<string, unknown> = {}, config: Record<string, unknown> = {}) {
  return {
    name: 'GitHub tools',
    description: 'talks to GitHub',
    icon: 'font_github',
    category: 'dev',
    tags: ['git'],
    type: 'stdio',
    config: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_TOKEN: SECRET, LOG_LEVEL: OTHER_SECRET }, ...config },
    enabled: true,
    ...overrides,
  };
}

function remote(type: 'sse' | 'streamable_http', url: string, overrides: Record<string, unknown> = {}) {
  return { name: `Remote ${type}`, type, config: { url }, ...overrides };
}

async function create(body: unknown): Promise<string> {
  const res = await api.request('POST', '/mcp_server/', body);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ _id: expect.stringMatching(/^[0-9a-v]{20}$/), result: 'created' });
  expectNoSecrets(res);
  return res.body._id as string;
}

interface StoredServer {
  name: string;
  type: string;
  enabled: boolean;
  created: Date;
  config: { command?: string; args?: string[]; env?: Array<{ name: string; value: string }>; url?: string };
}

/** The document as stored, read straight from Mongo. */
async function stored(id: string): Promise<StoredServer> {
  return (await api.server.deps.mongo.models.McpServer.findById(id).lean()) as StoredServer;
}

function storedEnv(doc: StoredServer): Record<string, string> {
  return Object.fromEntries((doc.config.env ?? []).map((p) => [p.name, p.value]));
}

function expectNoSecrets(res: TestResponse) {
  expect(res.text).not.toContain(SECRET);
  expect(res.text).not.toContain(OTHER_SECRET);
}

function expectBadRequest(res: TestResponse, field: string) {
  expect(res.status).toBe(400);
  expect(res.body.status).toBe(400);
  expect(res.body.error.reason).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
}

function expectNotFound(res: TestResponse, id: string) {
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ _id: id, found: false });
}

describe('create and get', () => {
  it('stdio: stores command, args and env; get masks every env value', async () => {
    const id = await create(stdio());
    const doc = await stored(id);
    expect(doc).toMatchObject({ type: 'stdio', config: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'] } });
    expect(storedEnv(doc)).toEqual({ GITHUB_TOKEN: SECRET, LOG_LEVEL: OTHER_SECRET });

    const res = await api.request('GET', `/mcp_server/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      _id: id,
      found: true,
      _source: {
        id,
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/),
        updated: expect.any(String),
        name: 'GitHub tools',
        description: 'talks to GitHub',
        icon: 'font_github',
        category: 'dev',
        tags: ['git'],
        enabled: true,
        type: 'stdio',
        config: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_TOKEN: MASK, LOG_LEVEL: MASK } },
      },
    });
    expectNoSecrets(res);
  });

  it('stdio: args and env default to empty', async () => {
    const id = await create({ name: 'bare', type: 'stdio', config: { command: 'uvx' } });
    const res = await api.request('GET', `/mcp_server/${id}`);
    expect(res.body._source.config).toEqual({ command: 'uvx', args: [], env: {} });
  });

  it.each([
    ['sse', 'http://127.0.0.1:8931/sse'],
    ['streamable_http', 'https://mcp.example.com/mcp'],
  ] as const)('%s: stores only the url', async (type, url) => {
    const id = await create({ ...remote(type, url), config: { url, command: 'ignored', env: { K: SECRET } } });
    const doc = await stored(id);
    expect(doc.type).toBe(type);
    expect(doc.config).toEqual({ url });
    const res = await api.request('GET', `/mcp_server/${id}`);
    expect(res.body).toMatchObject({ _id: id, found: true, _source: { id, type, name: `Remote ${type}`, config: { url } } });
    expect(res.body._source.config).toEqual({ url });
  });

  it('answers 404 {found:false} for a missing id', async () => {
    expectNotFound(await api.request('GET', '/mcp_server/nosuchserver'), 'nosuchserver');
  });
});

describe('validation', () => {
  it.each([
    ['type', { name: 'x', type: 'websocket', config: { url: 'http://x' } }],
    ['type', { name: 'x', config: { command: 'npx' } }],
    ['config.command', stdio({}, { command: undefined })],
    ['config.command', stdio({}, { command: '  ' })],
    ['config.url', remote('sse', 'not a url')],
    ['config.url', remote('streamable_http', 'file:///etc/passwd')],
    ['config', { name: 'x', type: 'sse' }],
    ['config.env.BAD-NAME', stdio({}, { env: { 'BAD-NAME': 'v' } })],
    ['config.env.1ABC', stdio({}, { env: { '1ABC': 'v' } })],
    ['config.env.A', stdio({}, { env: { A: 1 } })],
    ['config.args[1]', stdio({}, { args: ['ok', 2] })],
    ['name', stdio({ name: '' })],
  ])('rejects an invalid %s with 400', async (field, body) => {
    const res = await api.request('POST', '/mcp_server/', body);
    expectBadRequest(res, field);
    expectNoSecrets(res);
  });

  it('an env name with "." or "$" is refused rather than stored', async () => {
    const res = await api.request('POST', '/mcp_server/', stdio({}, { env: { 'a.b': 'v', $c: 'w' } }));
    expect(res.status).toBe(400);
    expect(res.body.error.reason).toContain('config.env.a.b');
  });
});

describe('search', () => {
  let a: string;
  let b: string;

  beforeAll(async () => {
    a = await create(stdio({ name: 'Listed Playwright' }));
    b = await create(remote('sse', 'http://127.0.0.1:9999/sse', { name: 'Listed Remote', enabled: false }));
  });

  it('GET with a query returns hits without config', async () => {
    const res = await api.request('GET', '/mcp_server/_search?query=listed&sort=name:asc');
    expect(res.status).toBe(200);
    expect(res.body.hits.total).toEqual({ value: 2, relation: 'eq' });
    expect(res.body.hits.hits.map((h: { _id: string }) => h._id)).toEqual([a, b]);
    for (const hit of res.body.hits.hits) {
      expect(hit._index).toBe('coco_mcp_server');
      expect(hit._source.id).toBe(hit._id);
      expect(hit._source).not.toHaveProperty('config');
    }
    expect(res.body.hits.hits[0]._source).toMatchObject({ name: 'Listed Playwright', type: 'stdio', enabled: true });
    expectNoSecrets(res);
  });

  it('POST with an ES body and the coco-app filters', async () => {
    const res = await api.request('POST', '/mcp_server/_search?filter=enabled:true&size=100', { query: { match: { name: 'listed' } } });
    expect(res.status).toBe(200);
    expect(res.body.hits.hits.map((h: { _id: string }) => h._id)).toEqual([a]);
    expect(res.body.hits.hits[0]._source).not.toHaveProperty('config');
    expectNoSecrets(res);
  });

  it('lists everything without config or env values', async () => {
    const res = await api.request('POST', '/mcp_server/_search?size=1000');
    expect(res.status).toBe(200);
    expect(res.body.hits.hits.length).toBeGreaterThanOrEqual(2);
    for (const hit of res.body.hits.hits) expect(hit._source).not.toHaveProperty('config');
    expectNoSecrets(res);
  });

  it('refuses to filter on config', async () => {
    const res = await api.request('GET', `/mcp_server/_search?filter=config.env.value:${SECRET}`);
    expect(res.status).toBe(400);
    expectNoSecrets(res);
  });

  // A terms aggregation under a hidden path would return the env values as bucket keys.
  it.each(['config.env.value', 'config.env'])('refuses to aggregate on %s', async (field) => {
    const res = await api.request('POST', '/mcp_server/_search', { size: 0, aggs: { leak: { terms: { field } } } });
    expectNoSecrets(res);
    expect(res.status).toBe(400);
  });
});

describe('update (PUT replaces)', () => {
  it('replaces the object; "******" keeps a stored env value, a new value replaces it, a missing name drops it', async () => {
    const id = await create(stdio());
    const before = await stored(id);
    const res = await api.request(
      'PUT',
      `/mcp_server/${id}`,
      stdio({ name: 'Renamed', tags: [], description: undefined }, { env: { GITHUB_TOKEN: MASK, NEW_VAR: 'fresh' } }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ _id: id, result: 'updated' });

    const after = await stored(id);
    expect(after).toMatchObject({ name: 'Renamed', description: '', tags: [], config: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'] } });
    expect(storedEnv(after)).toEqual({ GITHUB_TOKEN: SECRET, NEW_VAR: 'fresh' });
    expect(after.created).toEqual(before.created);

    await api.request('PUT', `/mcp_server/${id}`, stdio({}, { env: { GITHUB_TOKEN: 'rotated-token' } }));
    expect(storedEnv(await stored(id))).toEqual({ GITHUB_TOKEN: 'rotated-token' });
  });

  it('does not hand stored env values to a new command or new args: "******" is then a 400, and leaving a value out drops it', async () => {
    const id = await create(stdio());
    for (const changed of [{ args: ['-y', 'printenv'] }, { command: 'node', args: ['-e', 'console.log(process.env)'] }]) {
      const res = await api.request('PUT', `/mcp_server/${id}`, stdio({}, { ...changed, env: { GITHUB_TOKEN: MASK } }));
      expectBadRequest(res, 'config.env.GITHUB_TOKEN');
      expect(res.body.error.reason).toBe('config.env.GITHUB_TOKEN: the command or its args changed, so stored values are not given to it; send the value again');
      expect(storedEnv(await stored(id))).toEqual({ GITHUB_TOKEN: SECRET, LOG_LEVEL: OTHER_SECRET });
    }
    expect((await api.request('PUT', `/mcp_server/${id}`, stdio({}, { args: ['-y', 'printenv'], env: {} }))).status).toBe(200);
    expect(storedEnv(await stored(id))).toEqual({});
  });

  it('the record read by GET can be sent back unchanged without losing the env values', async () => {
    const id = await create(stdio());
    const got = await api.request('GET', `/mcp_server/${id}`);
    const { id: _i, created: _c, updated: _u, ...source } = got.body._source;
    expect((await api.request('PUT', `/mcp_server/${id}`, { ...source, enabled: false })).status).toBe(200);
    const after = await stored(id);
    expect(after.enabled).toBe(false);
    expect(storedEnv(after)).toEqual({ GITHUB_TOKEN: SECRET, LOG_LEVEL: OTHER_SECRET });
  });

  it('refuses "******" for a variable with no stored value (new or renamed), instead of saving the mask', async () => {
    const id = await create(stdio());
    const renamed = await api.request('PUT', `/mcp_server/${id}`, stdio({}, { env: { GH_TOKEN: MASK, LOG_LEVEL: MASK } }));
    expectBadRequest(renamed, 'config.env.GH_TOKEN');
    expect(storedEnv(await stored(id))).toEqual({ GITHUB_TOKEN: SECRET, LOG_LEVEL: OTHER_SECRET });
    expectBadRequest(await api.request('POST', '/mcp_server/', stdio({}, { env: { NEW: MASK } })), 'config.env.NEW');
  });

  it('can switch transport: a stdio server becomes streamable_http and its env is gone', async () => {
    const id = await create(stdio());
    expect((await api.request('PUT', `/mcp_server/${id}`, remote('streamable_http', 'http://127.0.0.1:3000/mcp'))).status).toBe(200);
    const after = await stored(id);
    expect(after).toMatchObject({ type: 'streamable_http', config: { url: 'http://127.0.0.1:3000/mcp' } });
    expect(after.config.env).toBeUndefined();
    expect(after.config.command).toBeUndefined();
  });

  it('validates and answers 404 for a missing id', async () => {
    const id = await create(stdio());
    expectBadRequest(await api.request('PUT', `/mcp_server/${id}`, stdio({}, { command: '' })), 'config.command');
    expectBadRequest(await api.request('PUT', `/mcp_server/${id}`, remote('sse', 'nope')), 'config.url');
    expectBadRequest(await api.request('PUT', `/mcp_server/${id}`, stdio({}, { env: { 'NO SPACES': 'x' } })), 'config.env.NO SPACES');
    expect(storedEnv(await stored(id))).toEqual({ GITHUB_TOKEN: SECRET, LOG_LEVEL: OTHER_SECRET });
    expectNotFound(await api.request('PUT', '/mcp_server/nosuchserver', stdio()), 'nosuchserver');
  });
});

describe('delete', () => {
  it('deletes, then get answers 404', async () => {
    const id = await create(stdio());
    const res = await api.request('DELETE', `/mcp_server/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ _id: id, result: 'deleted' });
    expect(await stored(id)).toBeNull();
    expectNotFound(await api.request('GET', `/mcp_server/${id}`), id);
    expectNotFound(await api.request('DELETE', `/mcp_server/${id}`), id);
  });
});

describe('authentication', () => {
  it.each([
    ['POST', '/mcp_server/', stdio()],
    ['GET', '/mcp_server/x', undefined],
    ['PUT', '/mcp_server/x', stdio()],
    ['DELETE', '/mcp_server/x', undefined],
    ['GET', '/mcp_server/_search', undefined],
    ['POST', '/mcp_server/_search', {}],
  ])('%s %s without a token is 401', async (method, path, body) => {
    const res = await api.anonymous(method, path, body);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: 401, error: { reason: 'invalid login' } });
  });
});
