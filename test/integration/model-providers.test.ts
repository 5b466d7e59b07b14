// /model_provider/: CRUD, search, validation, built-in protections, and the api_key never leaving the server.
import { startTestApi, TestApi, TestResponse } from '../helpers/api';

const KEY = 'sk-plain-provider-key-0123456789abcdef';
/** What reads show of KEY: its last 4 characters only. */
const MASKED = '***************cdef';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('providers');
});

afterAll(async () => {
  await api?.close();
});

function provider(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Deepseek',
    description: 'deepseek models',
    api_type: 'openai',
    base_url: 'https://api.deepseek.com/v1',
    api_key: KEY,
    models: [{ name: 'deepseek-chat' }, { name: 'deepseek-reasoner', support_reasoning: true }],
    enabled: true,
    ...overrides,
  };
}

async function create(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await api.request('POST', '/model_provider/', provider(overrides));
  expect(res.status).toBe(200);
  return res.body._id as string;
}

/** The document as stored, read straight from Mongo. */
async function stored(id: string): Promise<Record<string, unknown>> {
  return (await api.server.deps.mongo.models.ModelProvider.findById(id).lean()) as Record<string, unknown>;
}

function expectBadRequest(res: TestResponse, field: string) {
  expect(res.status).toBe(400);
  expect(res.body.status).toBe(400);
  expect(res.body.error.reason).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
}

function expectNoKey(res: TestResponse, key = KEY) {
  expect(res.text).not.toContain(key);
}

describe('create', () => {
  it('returns the create envelope and stores the fields, builtin forced false', async () => {
    const res = await api.request('POST', '/model_provider/', provider({ builtin: true }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ _id: expect.stringMatching(/^[0-9a-v]{20}$/), result: 'created' });
    expectNoKey(res);

    const doc = await stored(res.body._id);
    expect(doc).toMatchObject({ name: 'Deepseek', api_key: KEY, api_type: 'openai', base_url: 'https://api.deepseek.com/v1', builtin: false });
  });

  it('applies defaults for omitted optional fields', async () => {
    const res = await api.request('POST', '/model_provider/', { name: 'Bare' });
    expect(res.status).toBe(200);
    const got = await api.request('GET', `/model_provider/${res.body._id}`);
    expect(got.body._source).toMatchObject({
      name: 'Bare',
      description: '',
      api_key: '',
      api_type: 'openai',
      base_url: '',
      models: [],
      enabled: true,
      builtin: false,
    });
  });

  it.each([
    ['api_type', { api_type: 'cohere' }],
    ['base_url', { base_url: 'not a url' }],
    ['base_url', { base_url: 'ftp://example.com' }],
    ['models[0].name', { models: [{ settings: { temperature: 0.5 } }] }],
    ['models[1].name', { models: [{ name: 'ok' }, { name: '  ' }] }],
    ['name', { name: '' }],
    ['api_key', { api_key: 42 }],
  ])('rejects an invalid %s with 400', async (field, overrides) => {
    const res = await api.request('POST', '/model_provider/', provider(overrides));
    expectBadRequest(res, field);
  });

  it('rejects an empty body and malformed JSON with 400', async () => {
    const empty = await api.request('POST', '/model_provider/');
    expect(empty.status).toBe(400);
    const broken = await api.request('POST', '/model_provider/', '{"name": "x",');
    expect(broken.status).toBe(400);
    expect(broken.body.error.reason).toMatch(/malformed JSON/);
  });
});

describe('get', () => {
  it('returns the get envelope with the key masked', async () => {
    const id = await create();
    const res = await api.request('GET', `/model_provider/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      _id: id,
      found: true,
      _source: {
        id,
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/),
        updated: expect.any(String),
        name: 'Deepseek',
        description: 'deepseek models',
        icon: '',
        website: '',
        api_key: MASKED,
        api_type: 'openai',
        base_url: 'https://api.deepseek.com/v1',
        models: [{ name: 'deepseek-chat' }, { name: 'deepseek-reasoner', support_reasoning: true }],
        enabled: true,
        builtin: false,
        // how a cut-short answer is continued, and how long the model may be silent (defaults)
        continuation: 'auto',
        timeouts: { first_token: '60s', between_tokens: '30s' },
      },
    });
    expectNoKey(res);
  });

  it('masks short keys completely', async () => {
    const id = await create({ api_key: 'short-key-1' });
    const res = await api.request('GET', `/model_provider/${id}`);
    expect(res.body._source.api_key).toBe('********');
    expectNoKey(res, 'short-key-1');
  });

  it('answers 404 {found:false} for a missing id', async () => {
    const res = await api.request('GET', '/model_provider/nosuchprovider');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ _id: 'nosuchprovider', found: false });
  });
});

describe('search', () => {
  let a: string;
  let b: string;

  beforeAll(async () => {
    a = await create({ name: 'Searchable Alpha', api_key: `${KEY}-alpha` });
    b = await create({ name: 'Searchable Beta', api_key: `${KEY}-beta`, enabled: false });
  });

  function sources(res: TestResponse): Array<Record<string, unknown>> {
    return res.body.hits.hits.map((h: { _source: Record<string, unknown> }) => h._source);
  }

  it('GET with a query returns ES-shaped hits without api_key', async () => {
    const res = await api.request('GET', '/model_provider/_search?query=searchable&sort=name:asc');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ timed_out: false, hits: { total: { value: 2, relation: 'eq' } } });
    expect(res.body.hits.hits.map((h: { _id: string }) => h._id)).toEqual([a, b]);
    for (const hit of res.body.hits.hits) {
      expect(hit._index).toBe('coco_model_provider');
      expect(hit._source.id).toBe(hit._id);
      expect(hit._source).not.toHaveProperty('api_key');
    }
    expectNoKey(res);
  });

  it('POST with an ES body filters and hides api_key', async () => {
    const res = await api.request('POST', '/model_provider/_search', { query: { bool: { must: [{ match: { name: 'searchable' } }, { term: { enabled: false } }] } } });
    expect(res.status).toBe(200);
    expect(res.body.hits.total.value).toBe(1);
    expect(sources(res)).toEqual([expect.objectContaining({ id: b, name: 'Searchable Beta', enabled: false })]);
    expect(sources(res)[0]).not.toHaveProperty('api_key');
    expectNoKey(res);
  });

  it('POST with an empty body lists everything, still without keys', async () => {
    const res = await api.request('POST', '/model_provider/_search?size=100');
    expect(res.status).toBe(200);
    expect(res.body.hits.total.value).toBeGreaterThanOrEqual(2);
    for (const s of sources(res)) expect(s).not.toHaveProperty('api_key');
    expectNoKey(res);
  });

  // Sorting by a secret would leak it one comparison at a time.
  it('refuses to sort on api_key', async () => {
    const res = await api.request('GET', '/model_provider/_search?sort=api_key:asc');
    expect(res.status).toBe(400);
  });

  it('refuses to search, filter or aggregate on api_key', async () => {
    const byFilter = await api.request('GET', `/model_provider/_search?filter=api_key:${KEY}-alpha`);
    expect(byFilter.status).toBe(400);
    expect(byFilter.body.error.reason).toMatch(/api_key/);
    const byBody = await api.request('POST', '/model_provider/_search', { query: { prefix: { api_key: 'sk-' } } });
    expect(byBody.status).toBe(400);
    const byAggs = await api.request('POST', '/model_provider/_search', { size: 0, aggs: { k: { terms: { field: 'api_key' } } } });
    expect(byAggs.status).toBe(400);
    for (const res of [byFilter, byBody, byAggs]) expectNoKey(res);
  });
});

describe('update (PUT replaces)', () => {
  it('replaces the object: fields left out go back to their defaults, id and created are kept', async () => {
    const id = await create({ description: 'before', icon: 'font_x' });
    const before = await stored(id);
    const res = await api.request('PUT', `/model_provider/${id}`, { name: 'Renamed', base_url: 'http://127.0.0.1:11434', api_type: 'ollama', models: [{ name: 'llama3' }] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ _id: id, result: 'updated' });

    const after = await stored(id);
    expect(after).toMatchObject({ name: 'Renamed', description: '', icon: '', api_type: 'ollama', base_url: 'http://127.0.0.1:11434', models: [{ name: 'llama3' }] });
    expect(after.created).toEqual(before.created);
    expect((after.updated as Date).getTime()).toBeGreaterThanOrEqual((before.updated as Date).getTime());
  });

  it('drops the stored key when base_url or api_type changes and no key comes with it; a mask is then a 400', async () => {
    for (const change of [{ base_url: 'https://attacker.example/v1' }, { api_type: 'ollama' }]) {
      const id = await create();
      const masked = await api.request('PUT', `/model_provider/${id}`, provider({ ...change, api_key: MASKED }));
      expectBadRequest(masked, 'api_key');
      expect(masked.body.error.reason).toBe('api_key: base_url or api_type changed, so the stored key is not sent to the new endpoint; send the key again, or omit api_key to drop it');
      expect((await stored(id)).api_key).toBe(KEY);
      const { api_key: _omit, ...rest } = provider(change);
      expect((await api.request('PUT', `/model_provider/${id}`, rest)).status).toBe(200);
      expect((await stored(id)).api_key).toBe('');
      expect((await api.request('PUT', `/model_provider/${id}`, provider({ ...change, api_key: 'sk-a-new-key-for-the-new-endpoint' }))).status).toBe(200);
      expect((await stored(id)).api_key).toBe('sk-a-new-key-for-the-new-endpoint');
    }
  });

  it('still takes back the mask of the older format (first 4 and last 4) for the same endpoint', async () => {
    const id = await create();
    expect((await api.request('PUT', `/model_provider/${id}`, provider({ api_key: 'sk-p***************cdef' }))).status).toBe(200);
    expect((await stored(id)).api_key).toBe(KEY);
  });

  it('keeps the stored key when api_key is omitted', async () => {
    const id = await create();
    const { api_key: _omit, ...rest } = provider({ description: 'no key sent' });
    expect((await api.request('PUT', `/model_provider/${id}`, rest)).status).toBe(200);
    expect(await stored(id)).toMatchObject({ api_key: KEY, description: 'no key sent' });
  });

  it('keeps the stored key when the masked value is sent back', async () => {
    const id = await create();
    const got = await api.request('GET', `/model_provider/${id}`);
    const { id: _i, created: _c, updated: _u, ...source } = got.body._source;
    const res = await api.request('PUT', `/model_provider/${id}`, { ...source, enabled: false });
    expect(res.status).toBe(200);
    expect(await stored(id)).toMatchObject({ api_key: KEY, enabled: false });
  });

  it('keeps a short stored key when its mask is sent back', async () => {
    const id = await create({ api_key: 'short-key-2' });
    await api.request('PUT', `/model_provider/${id}`, provider({ api_key: '********' }));
    expect((await stored(id)).api_key).toBe('short-key-2');
  });

  it('replaces the key when a new one is sent, and clears it with ""', async () => {
    const id = await create();
    await api.request('PUT', `/model_provider/${id}`, provider({ api_key: 'sk-brand-new-key-9999999999' }));
    expect((await stored(id)).api_key).toBe('sk-brand-new-key-9999999999');
    await api.request('PUT', `/model_provider/${id}`, provider({ api_key: '' }));
    expect((await stored(id)).api_key).toBe('');
    const got = await api.request('GET', `/model_provider/${id}`);
    expect(got.body._source.api_key).toBe('');
  });

  it('refuses a masked key that is not the stored key\'s mask, instead of saving the mask as the key', async () => {
    const id = await create();
    const stale = 'sk-o***************ld00';
    expectBadRequest(await api.request('PUT', `/model_provider/${id}`, provider({ api_key: stale })), 'api_key');
    expectBadRequest(await api.request('PUT', `/model_provider/${id}`, provider({ api_key: '********' })), 'api_key');
    expect((await stored(id)).api_key).toBe(KEY);

    const keyless = await create({ api_key: '' });
    expectBadRequest(await api.request('PUT', `/model_provider/${keyless}`, provider({ api_key: '********' })), 'api_key');
    expectBadRequest(await api.request('POST', '/model_provider/', provider({ api_key: MASKED })), 'api_key');
    expect((await stored(keyless)).api_key).toBe('');
  });

  it('validates the body and names the field', async () => {
    const id = await create();
    expectBadRequest(await api.request('PUT', `/model_provider/${id}`, provider({ api_type: 'nope' })), 'api_type');
    expectBadRequest(await api.request('PUT', `/model_provider/${id}`, provider({ base_url: '//missing-scheme' })), 'base_url');
    expectBadRequest(await api.request('PUT', `/model_provider/${id}`, provider({ models: [{}] })), 'models[0].name');
    expect(await stored(id)).toMatchObject({ api_type: 'openai', base_url: 'https://api.deepseek.com/v1' });
  });

  it('cannot make a provider built-in', async () => {
    const id = await create();
    await api.request('PUT', `/model_provider/${id}`, provider({ builtin: true }));
    expect((await stored(id)).builtin).toBe(false);
  });

  it('answers 404 {found:false} for a missing id', async () => {
    const res = await api.request('PUT', '/model_provider/nosuchprovider', provider());
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ _id: 'nosuchprovider', found: false });
  });
});

describe('delete', () => {
  it('deletes, then the provider is gone', async () => {
    const id = await create();
    const res = await api.request('DELETE', `/model_provider/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ _id: id, result: 'deleted' });
    expect(await stored(id)).toBeNull();
    expect((await api.request('GET', `/model_provider/${id}`)).status).toBe(404);
  });

  it('answers 404 for a missing id', async () => {
    const res = await api.request('DELETE', '/model_provider/nosuchprovider');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ _id: 'nosuchprovider', found: false });
  });
});

describe('built-in providers', () => {
  const id = 'builtin_test_provider';

  beforeAll(async () => {
    await api.server.deps.mongo.models.ModelProvider.create({ ...provider({ name: 'Built In' }), _id: id, builtin: true });
  });

  it('cannot be deleted', async () => {
    const res = await api.request('DELETE', `/model_provider/${id}`);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ status: 403, error: { reason: 'Built-in model providers cannot be deleted' } });
    expect(await stored(id)).not.toBeNull();
  });

  it('cannot be renamed', async () => {
    const res = await api.request('PUT', `/model_provider/${id}`, provider({ name: 'Something Else' }));
    expect(res.status).toBe(403);
    expect(res.body.error.reason).toMatch(/renamed/);
    expect((await stored(id)).name).toBe('Built In');
  });

  it('can be edited otherwise, and stays built-in even if the body says otherwise', async () => {
    const res = await api.request('PUT', `/model_provider/${id}`, provider({ name: 'Built In', enabled: false, api_key: 'sk-another-key-for-builtin', builtin: false }));
    expect(res.status).toBe(200);
    expect(await stored(id)).toMatchObject({ name: 'Built In', enabled: false, api_key: 'sk-another-key-for-builtin', builtin: true });
    const got = await api.request('GET', `/model_provider/${id}`);
    expect(got.body._source).toMatchObject({ builtin: true, enabled: false });
    expectNoKey(got, 'sk-another-key-for-builtin');
  });
});

describe('authentication', () => {
  it.each([
    ['POST', '/model_provider/', provider()],
    ['GET', '/model_provider/x', undefined],
    ['PUT', '/model_provider/x', provider()],
    ['DELETE', '/model_provider/x', undefined],
    ['GET', '/model_provider/_search', undefined],
    ['POST', '/model_provider/_search', {}],
  ])('%s %s without a token is 401', async (method, path, body) => {
    const res = await api.anonymous(method, path, body);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: 401, error: { reason: 'invalid login' } });
  });

  it('a wrong token is 401 too', async () => {
    const res = await api.anonymous('GET', '/model_provider/_search', undefined, { 'X-API-TOKEN': 'wrong' });
    expect(res.status).toBe(401);
  });
});
