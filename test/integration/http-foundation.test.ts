import { startTestApi, TestApi } from '../helpers/api';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('http', { COCO_BODY_LIMIT_BYTES: '2048' });
});
afterAll(() => api.close());

describe('HTTP foundation', () => {
  it('answers malformed JSON with 400 and where it is broken, storing nothing', async () => {
    const before = await api.server.deps.mongo.models.Assistant.countDocuments();
    const res = await api.request('POST', '/assistant/', '{\n  "name": "x",\n  "icon": "a\n}');
    expect(res.status).toBe(400);
    expect(res.body.status).toBe(400);
    expect(res.body.error.reason).toMatch(/^malformed JSON body at line 3, column \d+/);
    expect(await api.server.deps.mongo.models.Assistant.countDocuments()).toBe(before);
  });

  it('parses JSON whatever the Content-Type (curl -d sends form encoding)', async () => {
    const res = await api.request('POST', '/assistant/', JSON.stringify({ name: 'form-encoded' }), {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    expect(res.body.result).toBe('created');
  });

  it('refuses an empty body where an object is needed, and a non-object body', async () => {
    expect((await api.request('POST', '/assistant/')).body).toEqual({ status: 400, error: { reason: 'request body is empty: expected a JSON object' } });
    expect((await api.request('POST', '/assistant/', '[1,2]')).body.error.reason).toBe('request body must be a JSON object');
  });

  it('refuses NUL characters', async () => {
    const res = await api.request('POST', '/assistant/', { name: 'a\u0000b' });
    expect(res.status).toBe(400);
    expect(res.body.error.reason).toBe('name: NUL characters are not allowed');
  });

  it('answers an oversize body with 413', async () => {
    const res = await api.request('POST', '/assistant/', { name: 'big', description: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ status: 413, error: { reason: 'request body is larger than the limit of 2048 bytes' } });
  });

  it('answers unknown routes with the 404 envelope (401 first without a token)', async () => {
    const res = await api.request('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: 404, error: { reason: 'no route for GET /no/such/route' } });
    expect((await api.anonymous('GET', '/no/such/route')).status).toBe(401);
  });

  it('checks the token before reading the body', async () => {
    const res = await api.anonymous('POST', '/assistant/', '{broken');
    expect(res.status).toBe(401);
  });

  it('gives each request an id, or echoes a well-formed one', async () => {
    const a = await api.anonymous('GET', '/health');
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const b = await api.anonymous('GET', '/health', undefined, { 'X-Request-Id': 'trace-123' });
    expect(b.headers.get('x-request-id')).toBe('trace-123');
    const c = await api.anonymous('GET', '/health', undefined, { 'X-Request-Id': 'bad id with spaces' });
    expect(c.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('reports the health of MongoDB, Redis and Temporal without a token', async () => {
    const res = await api.anonymous('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'green', services: { mongodb: { status: 'ok' }, redis: { status: 'ok' }, temporal: { status: 'ok' } } });
  });

  it('serves /provider/_info publicly, with stats only for an authenticated caller', async () => {
    const anon = await api.anonymous('GET', '/provider/_info');
    expect(anon.status).toBe(200);
    expect(anon.body).toMatchObject({ name: 'Coco Server', version: { number: expect.any(String) }, health: { status: 'green' }, setup_required: false });
    expect(anon.body.endpoint).toEqual(expect.any(String));
    expect(anon.body.stats).toBeUndefined();
    const authed = await api.request('GET', '/provider/_info');
    expect(authed.body.stats.assistant_count).toBeGreaterThanOrEqual(2);
  });

  it('requires a token everywhere else: missing or wrong gives 401 invalid login', async () => {
    const unauthorized = { status: 401, error: { reason: 'invalid login' } };
    for (const [method, path] of [['GET', '/assistant/default'], ['POST', '/assistant/_search'], ['GET', '/model_provider/_search'], ['DELETE', '/mcp_server/x'], ['GET', '/account/profile']]) {
      const res = await api.anonymous(method as string, path as string);
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 401, body: unauthorized });
    }
    expect((await api.anonymous('GET', '/assistant/default', undefined, { 'X-API-TOKEN': 'wrong' })).status).toBe(401);
    expect((await api.anonymous('GET', '/assistant/default', undefined, { Authorization: `Bearer ${api.token}x` })).status).toBe(401);
    expect((await api.anonymous('GET', '/assistant/default', undefined, { Authorization: `Bearer ${api.token}` })).status).toBe(200);
    expect((await api.anonymous('GET', '/assistant/default', undefined, { 'X-API-TOKEN': api.token })).status).toBe(200);
  });

  it('answers CORS preflights at once: any origin, never with credentials (tokens travel in headers)', async () => {
    const res = await api.anonymous('OPTIONS', '/chat/_new', undefined, { Origin: 'http://app.local', 'Access-Control-Request-Method': 'POST' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-allow-headers')).toContain('X-API-TOKEN');
    const get = await api.request('GET', '/assistant/default', undefined, { Origin: 'http://evil.example' });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
    expect(get.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives credentials only to the origins COCO_CORS_ORIGINS lists, and no CORS headers to others', async () => {
    const listed = await startTestApi('http-cors', { COCO_CORS_ORIGINS: 'https://admin.example, https://other.example/' });
    try {
      for (const origin of ['https://admin.example', 'https://other.example']) {
        const res = await listed.request('GET', '/assistant/default', undefined, { Origin: origin });
        expect([origin, res.headers.get('access-control-allow-origin'), res.headers.get('access-control-allow-credentials')]).toEqual([origin, origin, 'true']);
      }
      const other = await listed.request('GET', '/assistant/default', undefined, { Origin: 'https://evil.example' });
      expect(other.status).toBe(200); // not a browser's business here: the browser hides it
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.headers.get('access-control-allow-credentials')).toBeNull();
    } finally {
      await listed.close();
    }
  });

  it('answers a wrong method on a known path with 405', async () => {
    const res = await api.request('PATCH', '/assistant/default', {});
    expect(res.status).toBe(405);
    expect(res.body.error.reason).toContain('PATCH');
  });
});

describe('API tokens', () => {
  it('mints a token that works, lists tokens masked, deletes them', async () => {
    const minted = await api.request('POST', '/auth/request_access_token', { name: 'ci' });
    expect(minted.status).toBe(200);
    expect(minted.body.access_token).toMatch(/^[0-9a-f]{64}$/);
    const token = minted.body.access_token as string;
    expect((await api.anonymous('GET', '/account/profile', undefined, { 'X-API-TOKEN': token })).body).toMatchObject({ id: 'admin', username: 'admin', name: 'Administrator', email: '', roles: ['admin'] });

    const list = await api.request('GET', '/auth/access_token/_cat');
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain(api.token);
    const entry = (list.body as Array<{ id: string; name: string; access_token: string }>).find((t) => t.name === 'ci');
    expect(entry!.access_token).toBe(`${'*'.repeat(15)}${token.slice(-4)}`);

    // only hashes are stored
    const stored = await api.server.deps.mongo.models.ApiToken.find().lean();
    expect(JSON.stringify(stored)).not.toContain(token);

    expect((await api.request('DELETE', `/auth/access_token/${entry!.id}`)).body).toEqual({ _id: entry!.id, result: 'deleted' });
    expect((await api.anonymous('GET', '/account/profile', undefined, { 'X-API-TOKEN': token })).status).toBe(401);
    expect((await api.request('DELETE', `/auth/access_token/${entry!.id}`)).status).toBe(404);
  });
});
