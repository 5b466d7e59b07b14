// /datasource/ and /document/: CRUD, search, indexing documents into a datasource (source stamped from
// it), free-form JSON with "." and "$" keys round-tripping, and a datasource's delete taking its documents.
import { startTestApi, TestApi, TestResponse } from '../helpers/api';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('datasources');
});

afterAll(async () => {
  await api?.close();
});

const ODD_JSON = { 'a.b': 1, $x: { 'y.z': 2, $in: ['$where', { 'k.$': null }] }, plain: [1, 'two', { three: 3.5 }] };

function datasource(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Hugo Docs',
    description: 'the docs site',
    icon: 'font_hugo',
    category: 'website',
    tags: ['docs', 'hugo'],
    connector: { id: 'hugo_site', config: { urls: ['https://example.com/index.json'], 'site.url': 'https://example.com', $opt: { 'a.b': true } } },
    sync_enabled: true,
    enabled: true,
    ...overrides,
  };
}

function document(overrides: Record<string, unknown> = {}) {
  return { title: 'Getting started', summary: 'how to begin', content: 'Install it, then run it.', url: 'https://example.com/start', tags: ['intro'], ...overrides };
}

async function createOk(path: string, body: unknown): Promise<string> {
  const res = await api.request('POST', path, body);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ _id: expect.any(String), result: 'created' });
  return res.body._id as string;
}

const createDatasource = (overrides: Record<string, unknown> = {}) => createOk('/datasource/', datasource(overrides));

async function getSource(path: string): Promise<Record<string, unknown>> {
  const res = await api.request('GET', path);
  expect(res.status).toBe(200);
  return res.body._source;
}

function ids(res: TestResponse): string[] {
  expect(res.status).toBe(200);
  return res.body.hits.hits.map((h: { _id: string }) => h._id).sort();
}

function expectBadRequest(res: TestResponse, field: string) {
  expect(res.status).toBe(400);
  expect(res.body.status).toBe(400);
  expect(res.body.error.reason).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
}

function expectNotFound(res: TestResponse, id: string) {
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ _id: id, result: 'not_found' });
}

describe('datasources', () => {
  it('creates and reads back, connector config with dotted and $ keys included', async () => {
    const id = await createDatasource();
    expect(id).toMatch(/^[0-9a-v]{20}$/);
    const res = await api.request('GET', `/datasource/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      _id: id,
      found: true,
      _source: {
        id,
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/),
        updated: expect.any(String),
        type: 'connector',
        ...datasource(),
      },
    });
  });

  it('applies defaults and accepts a null connector config', async () => {
    const id = await createOk('/datasource/', { name: 'Minimal' });
    expect(await getSource(`/datasource/${id}`)).toMatchObject({
      type: 'connector',
      name: 'Minimal',
      tags: [],
      connector: { id: '', config: null },
      sync_enabled: false,
      enabled: true,
    });
  });

  it.each([
    ['name', { name: '   ' }],
    ['type', { type: 'crawler' }],
    ['connector.config', { connector: { id: 'x', config: 'not an object' } }],
    ['tags[1]', { tags: ['ok', 7] }],
    ['enabled', { enabled: 'yes' }],
  ])('rejects an invalid %s with 400', async (field, overrides) => {
    expectBadRequest(await api.request('POST', '/datasource/', datasource(overrides)), field);
  });

  it('PUT replaces the whole object and keeps id and created', async () => {
    const id = await createDatasource();
    const before = await getSource(`/datasource/${id}`);
    const res = await api.request('PUT', `/datasource/${id}`, { name: 'Renamed', connector: { id: 'rss', config: { 'feed.url': 'https://example.com/rss' } } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ _id: id, result: 'updated' });
    const after = await getSource(`/datasource/${id}`);
    expect(after).toEqual({
      id,
      created: before.created,
      updated: expect.any(String),
      type: 'connector',
      name: 'Renamed',
      description: '',
      icon: '',
      category: '',
      tags: [],
      connector: { id: 'rss', config: { 'feed.url': 'https://example.com/rss' } },
      sync_enabled: false,
      enabled: true,
    });
  });

  it('PUT validates and answers 404 for a missing id', async () => {
    const id = await createDatasource();
    expectBadRequest(await api.request('PUT', `/datasource/${id}`, datasource({ name: '' })), 'name');
    expectNotFound(await api.request('PUT', '/datasource/nosuchds', datasource()), 'nosuchds');
  });

  it('GET and DELETE answer 404 for a missing id', async () => {
    expectNotFound(await api.request('GET', '/datasource/nosuchds'), 'nosuchds');
    expectNotFound(await api.request('DELETE', '/datasource/nosuchds'), 'nosuchds');
  });

  it('searches with the query-string DSL and with an ES body', async () => {
    const rss = await createDatasource({ name: 'Findme News', connector: { id: 'rss', config: null }, enabled: false });
    const notion = await createDatasource({ name: 'Findme Wiki', connector: { id: 'notion', config: null } });

    const byQuery = await api.request('GET', '/datasource/_search?query=findme');
    expect(ids(byQuery)).toEqual([rss, notion].sort());
    expect(byQuery.body.hits.total).toEqual({ value: 2, relation: 'eq' });
    const hit = byQuery.body.hits.hits.find((h: { _id: string }) => h._id === notion);
    expect(hit).toMatchObject({ _index: 'coco_datasource', _source: { id: notion, name: 'Findme Wiki', connector: { id: 'notion', config: null } } });

    expect(ids(await api.request('POST', '/datasource/_search?query=findme&filter=enabled:true'))).toEqual([notion]);
    expect(ids(await api.request('POST', '/datasource/_search', { query: { bool: { must: [{ match: { name: 'findme' } }, { term: { 'connector.id': 'rss' } }] } } }))).toEqual([rss]);
    expect(ids(await api.request('GET', '/datasource/_search?query=findme&filter=connector.id:rss&filter=connector.id:notion'))).toEqual([rss, notion].sort());
  });

  it('DELETE returns the envelope and the datasource is gone', async () => {
    const id = await createDatasource();
    const res = await api.request('DELETE', `/datasource/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ _id: id, result: 'deleted' });
    expectNotFound(await api.request('GET', `/datasource/${id}`), id);
  });
});

describe('connector credentials', () => {
  const secretConfig = {
    token: 'ghp_0123456789abcdef',
    'site.url': 'https://example.com',
    auth: { client_secret: 'shh', password: 'hunter2', user: 'bob', api_key: '' },
    buckets: [{ name: 'b1', access_key: 'AKIA123', secret_access_key: 'abc/def' }],
  };
  const storedConfig = async (id: string) => {
    const doc = (await api.server.deps.mongo.models.Datasource.findById(id).lean()) as { connector: { config_json: string } };
    return JSON.parse(doc.connector.config_json);
  };

  it('GET masks the values of secret-looking keys at any depth and leaves the rest readable', async () => {
    const id = await createDatasource({ connector: { id: 'github', config: secretConfig } });
    const shown = (await getSource(`/datasource/${id}`)).connector as { config: unknown };
    expect(shown.config).toEqual({
      token: '******',
      'site.url': 'https://example.com',
      auth: { client_secret: '******', password: '******', user: 'bob', api_key: '' },
      buckets: [{ name: 'b1', access_key: '******', secret_access_key: '******' }],
    });
    expect(JSON.stringify((await api.request('POST', '/datasource/_search', {})).body)).not.toContain('ghp_0123456789abcdef');
    expect(await storedConfig(id)).toEqual(secretConfig);
  });

  it('a PUT of what GET showed keeps the stored secrets; new values replace them', async () => {
    const id = await createDatasource({ connector: { id: 'github', config: secretConfig } });
    const shown = await getSource(`/datasource/${id}`);
    const { id: _id, created: _c, updated: _u, ...body } = shown;
    expect((await api.request('PUT', `/datasource/${id}`, { ...body, name: 'Renamed' })).status).toBe(200);
    expect(await storedConfig(id)).toEqual(secretConfig);

    const changed = { ...(shown.connector as { config: Record<string, unknown> }).config, token: 'ghp_new' };
    expect((await api.request('PUT', `/datasource/${id}`, { ...body, connector: { id: 'github', config: changed } })).status).toBe(200);
    expect(await storedConfig(id)).toEqual({ ...secretConfig, token: 'ghp_new' });
  });

  it('refuses a mask where nothing is stored, and stores nothing', async () => {
    expectBadRequest(await api.request('POST', '/datasource/', datasource({ connector: { id: 'x', config: { token: '******' } } })), 'connector.config.token');
    const id = await createDatasource({ connector: { id: 'github', config: secretConfig } });
    const res = await api.request('PUT', `/datasource/${id}`, datasource({ connector: { id: 'github', config: { ...secretConfig, auth: { password: '******', new_token: '******' } } } }));
    expectBadRequest(res, 'connector.config.auth.new_token');
    expect(await storedConfig(id)).toEqual(secretConfig);
  });
});

describe('indexing documents into a datasource', () => {
  let dsId: string;

  beforeAll(async () => {
    dsId = await createDatasource({ name: 'Index Target', icon: 'font_target' });
  });

  it('POST /datasource/:id/_doc stamps source from the datasource, whatever the body said', async () => {
    const docId = await createOk(`/datasource/${dsId}/_doc`, document({ source: { id: 'other', type: 'fake', name: 'Fake', icon: 'font_fake' } }));
    const source = await getSource(`/document/${docId}`);
    expect(source).toMatchObject({ id: docId, title: 'Getting started', source: { id: dsId, type: 'connector', name: 'Index Target', icon: 'font_target' } });
  });

  it('POST /datasource/:id/_doc/:doc_id creates with that id, then replaces it', async () => {
    const docId = `doc-${Date.now()}`;
    const first = await api.request('POST', `/datasource/${dsId}/_doc/${docId}`, document({ tags: ['v1'], metadata: { version: 1 } }));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ _id: docId, result: 'created' });
    const created = await getSource(`/document/${docId}`);

    const second = await api.request('POST', `/datasource/${dsId}/_doc/${docId}`, { title: 'Second version' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ _id: docId, result: 'updated' });
    const replaced = await getSource(`/document/${docId}`);
    expect(replaced).toMatchObject({ id: docId, created: created.created, title: 'Second version', tags: [], summary: '', metadata: null, source: { id: dsId, name: 'Index Target' } });
    expect(await api.server.deps.mongo.models.Document.countDocuments({ _id: docId })).toBe(1);
  });

  it('concurrent indexing under one new doc_id creates it once and replaces it otherwise', async () => {
    const docId = `race-${Date.now()}`;
    const results = await Promise.all([1, 2, 3, 4].map((n) => api.request('POST', `/datasource/${dsId}/_doc/${docId}`, document({ title: `take ${n}` }))));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(results.map((r) => r.body.result).sort()).toEqual(['created', 'updated', 'updated', 'updated']);
    expect(await api.server.deps.mongo.models.Document.countDocuments({ _id: docId })).toBe(1);
  });

  it('answers 404 for an unknown datasource and stores nothing', async () => {
    const before = await api.server.deps.mongo.models.Document.countDocuments({});
    expectNotFound(await api.request('POST', '/datasource/nosuchds/_doc', document()), 'nosuchds');
    expectNotFound(await api.request('POST', '/datasource/nosuchds/_doc/fixed-id', document()), 'nosuchds');
    expect(await api.server.deps.mongo.models.Document.countDocuments({})).toBe(before);
  });

  it('validates the document', async () => {
    expectBadRequest(await api.request('POST', `/datasource/${dsId}/_doc`, document({ title: '' })), 'title');
    expectBadRequest(await api.request('POST', `/datasource/${dsId}/_doc/x`, document({ size: -1 })), 'size');
  });
});

describe('documents', () => {
  let dsId: string;

  beforeAll(async () => {
    dsId = await createDatasource({ name: 'Doc Home' });
  });

  it('creates, reads, replaces and deletes a document', async () => {
    const id = await createOk('/document/', document({ source: { id: dsId }, category: 'guide', owner: { username: 'ann', userid: 'u1' } }));
    const got = await api.request('GET', `/document/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ _id: id, found: true });
    expect(got.body._source).toEqual({
      id,
      created: expect.any(String),
      updated: expect.any(String),
      source: { id: dsId, type: 'connector', name: 'Doc Home', icon: 'font_hugo' },
      type: '',
      category: 'guide',
      subcategory: '',
      categories: [],
      rich_categories: [],
      title: 'Getting started',
      summary: 'how to begin',
      content: 'Install it, then run it.',
      lang: '',
      icon: '',
      thumbnail: '',
      cover: '',
      url: 'https://example.com/start',
      size: 0,
      tags: ['intro'],
      owner: { avatar: '', username: 'ann', userid: 'u1' },
      last_updated_by: null,
      metadata: null,
      payload: null,
      disabled: false,
    });

    const put = await api.request('PUT', `/document/${id}`, { title: 'Replaced', source: { id: dsId }, disabled: true });
    expect(put.body).toEqual({ _id: id, result: 'updated' });
    expect(await getSource(`/document/${id}`)).toMatchObject({ title: 'Replaced', category: '', owner: null, tags: [], disabled: true, created: got.body._source.created });

    const del = await api.request('DELETE', `/document/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ _id: id, result: 'deleted' });
    expectNotFound(await api.request('GET', `/document/${id}`), id);
  });

  it('a document without a datasource is allowed', async () => {
    const id = await createOk('/document/', document());
    expect(await getSource(`/document/${id}`)).toMatchObject({ source: { id: '', type: '', name: '', icon: '' } });
  });

  it('metadata and payload with "." and "$" keys round-trip exactly', async () => {
    const id = await createOk('/document/', document({ metadata: ODD_JSON, payload: { 'x.y': { $z: 'w' } } }));
    const source = await getSource(`/document/${id}`);
    expect(source.metadata).toEqual(ODD_JSON);
    expect(source.payload).toEqual({ 'x.y': { $z: 'w' } });

    await api.request('PUT', `/document/${id}`, document({ metadata: { 'b.c': { $d: 1 } } }));
    expect((await getSource(`/document/${id}`)).metadata).toEqual({ 'b.c': { $d: 1 } });
  });

  it('rejects a source.id naming no datasource, on create and on PUT', async () => {
    expectBadRequest(await api.request('POST', '/document/', document({ source: { id: 'ghost-ds' } })), 'source.id');
    const id = await createOk('/document/', document());
    expectBadRequest(await api.request('PUT', `/document/${id}`, document({ source: { id: 'ghost-ds' } })), 'source.id');
    expect(await getSource(`/document/${id}`)).toMatchObject({ source: { id: '' } });
  });

  it.each([
    ['title', { title: undefined }],
    ['size', { size: 1.5 }],
    ['metadata', { metadata: [1, 2] }],
    ['rich_categories[0].label', { rich_categories: [{ label: 3 }] }],
  ])('rejects an invalid %s with 400', async (field, overrides) => {
    expectBadRequest(await api.request('POST', '/document/', document(overrides)), field);
  });

  it('PUT, GET and DELETE answer 404 for a missing id', async () => {
    expectNotFound(await api.request('GET', '/document/nosuchdoc'), 'nosuchdoc');
    expectNotFound(await api.request('PUT', '/document/nosuchdoc', document()), 'nosuchdoc');
    expectNotFound(await api.request('DELETE', '/document/nosuchdoc'), 'nosuchdoc');
  });

  it('searches by source.id, by text and with an ES body', async () => {
    const other = await createDatasource({ name: 'Other Home' });
    const d1 = await createOk(`/datasource/${dsId}/_doc`, document({ title: 'Kubernetes basics' }));
    const d2 = await createOk(`/datasource/${dsId}/_doc`, document({ title: 'Docker basics', tags: ['containers'] }));
    const d3 = await createOk(`/datasource/${other}/_doc`, document({ title: 'Kubernetes advanced' }));

    expect(ids(await api.request('GET', `/document/_search?filter=source.id:${dsId}&size=100`))).toEqual(expect.arrayContaining([d1, d2]));
    expect(ids(await api.request('GET', `/document/_search?filter=source.id:${other}`))).toEqual([d3]);
    expect(ids(await api.request('GET', '/document/_search?query=kubernetes'))).toEqual([d1, d3].sort());
    expect(ids(await api.request('POST', `/document/_search?filter=source.id:${dsId}`, { query: { term: { tags: 'containers' } } }))).toEqual([d2]);

    const hit = (await api.request('GET', `/document/_search?filter=source.id:${other}`)).body.hits.hits[0];
    expect(hit).toMatchObject({ _index: 'coco_document', _id: d3, _source: { id: d3, title: 'Kubernetes advanced', source: { id: other } } });
  });
});

describe('deleting a datasource', () => {
  it('deletes its documents and leaves other datasources\' documents alone', async () => {
    const doomed = await createDatasource({ name: 'Doomed' });
    const kept = await createDatasource({ name: 'Kept' });
    const gone = [await createOk(`/datasource/${doomed}/_doc`, document()), await createOk('/document/', document({ source: { id: doomed } }))];
    const stays = [await createOk(`/datasource/${kept}/_doc`, document()), await createOk('/document/', document())];

    expect((await api.request('DELETE', `/datasource/${doomed}`)).body).toEqual({ _id: doomed, result: 'deleted' });
    for (const id of gone) expectNotFound(await api.request('GET', `/document/${id}`), id);
    for (const id of stays) expect((await api.request('GET', `/document/${id}`)).status).toBe(200);
    expect(await api.server.deps.mongo.models.Document.countDocuments({ 'source.id': doomed })).toBe(0);
  });
});

describe('authentication', () => {
  it.each([
    ['POST', '/datasource/'],
    ['GET', '/datasource/x'],
    ['PUT', '/datasource/x'],
    ['DELETE', '/datasource/x'],
    ['GET', '/datasource/_search'],
    ['POST', '/datasource/_search'],
    ['POST', '/datasource/x/_doc'],
    ['POST', '/datasource/x/_doc/y'],
    ['POST', '/document/'],
    ['GET', '/document/x'],
    ['PUT', '/document/x'],
    ['DELETE', '/document/x'],
    ['GET', '/document/_search'],
    ['POST', '/document/_search'],
  ])('%s %s without a token is 401', async (method, path) => {
    const res = await api.anonymous(method, path, method === 'GET' ? undefined : {});
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: 401, error: { reason: 'invalid login' } });
  });
});
