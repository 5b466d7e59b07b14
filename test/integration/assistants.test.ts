import { DEFAULT_ANSWER_TEMPLATE, DEFAULT_INTENT_TEMPLATE, DEFAULT_ROLE_PROMPT } from '../../src/shared/prompts';
import { startTestApi, TestApi } from '../helpers/api';
import { seedRequest } from '../helpers/seed';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi('assistants');
});
afterAll(() => api.close());

const fixQuote = (body: string) => body.replace('"wikipedia: false,', '"wikipedia": false,');

describe("the seed page's examples", () => {
  it('create: the body as printed (broken quote) is a 400 saying where, and stores nothing', async () => {
    const { method, path, body } = seedRequest('Create an AI assistant');
    const before = await api.server.deps.mongo.models.Assistant.countDocuments();
    const res = await api.request(method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.error.reason).toMatch(/^malformed JSON body at line 67, column \d+: .*closing quote missing.*wikipedia: false/);
    expect(await api.server.deps.mongo.models.Assistant.countDocuments()).toBe(before);
  });

  it('create, view, update, search, clone and delete work with the quote fixed', async () => {
    const create = seedRequest('Create an AI assistant');
    const created = await api.request(create.method, create.path, fixQuote(create.body!));
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ _id: expect.stringMatching(/^[0-9a-v]{20}$/), result: 'created' });
    const id = created.body._id as string;
    const retarget = (path: string) => path.replace('cvuak1lath2dlgqqpcjg', id);

    const view = await api.request('GET', retarget(seedRequest('View an AI assistant').path));
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ _id: id, found: true });
    const a = view.body._source;
    expect(a).toMatchObject({
      id,
      name: 'deault',
      type: 'deep_think',
      builtin: false,
      keepalive: '30m',
      answering_model: { provider_id: 'cvuai3dath2dlgqqpc2g', name: 'deepseek-r1', settings: { temperature: 0.8, top_p: 0.5, max_tokens: 1024 } },
      config: { intent_analysis_model: { name: 'tongyi-intent-detect-v3' }, picking_doc_model: { name: 'deepseek-r1-distill-qwen-32b' } },
      datasource: { enabled: true, ids: ['d895f22ed2ff25ad8c6080af1cc23a21'], filter: { term: { name: 'test' } } },
      // the seed sends bare settings as mcp_servers.model: kept as that model's settings
      mcp_servers: { ids: ['*'], max_iterations: 3, model: { settings: { temperature: 0.8, max_tokens: 1024 } } },
      tools: { enabled: true, builtin: { calculator: true, wikipedia: false, duckduckgo: false, scraper: false } },
      chat_settings: { history_message: { number: 5, compression_threshold: 1000, summary: true } },
    });
    expect(a.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);

    const update = seedRequest('Update an AI assistant');
    const updated = await api.request(update.method, retarget(update.path), fixQuote(update.body!).replace('"deault"', '"renamed"'));
    expect(updated.body).toEqual({ _id: id, result: 'updated' });
    expect((await api.request('GET', `/assistant/${id}`)).body._source.name).toBe('renamed');

    const search = seedRequest('Search AI assistant');
    const found = await api.request(search.method, search.path, search.body);
    expect(found.status).toBe(200);
    expect(found.body.hits.total).toEqual({ value: expect.any(Number), relation: 'eq' });
    const hit = found.body.hits.hits.find((h: any) => h._id === id);
    expect(hit._source.id).toBe(id);

    const clone = seedRequest('Clone an AI assistant');
    const cloned = await api.request(clone.method, retarget(clone.path));
    expect(cloned.body).toEqual({ _id: expect.any(String), result: 'created' });
    expect(cloned.body._id).not.toBe(id);
    const copy = (await api.request('GET', `/assistant/${cloned.body._id}`)).body._source;
    expect(copy).toMatchObject({ name: 'renamed_copy', builtin: false, type: 'deep_think', datasource: a.datasource });

    const del = seedRequest('Delete the AI assistant');
    expect((await api.request(del.method, retarget(del.path), undefined, { 'Content-Type': 'application/json' })).body).toEqual({ _id: id, result: 'deleted' });
    expect((await api.request('GET', `/assistant/${id}`)).status).toBe(404);
  });
});

describe('assistant CRUD', () => {
  it('applies defaults when loading, without storing them', async () => {
    const { body } = await api.request('POST', '/assistant/', { name: 'plain', type: 'deep_think', mcp_servers: { max_iterations: 1 } });
    const a = (await api.request('GET', `/assistant/${body._id}`)).body._source;
    expect(a.role_prompt).toBe(DEFAULT_ROLE_PROMPT);
    expect(a.answering_model.prompt.template).toBe(DEFAULT_ANSWER_TEMPLATE);
    expect(a.config.intent_analysis_model.prompt.template).toBe(DEFAULT_INTENT_TEMPLATE);
    expect(a.mcp_servers.max_iterations).toBe(5);
    expect(a.datasource).toMatchObject({ enabled: true, ids: ['*'], visible: true, filter: null });
    const stored = await api.server.deps.mongo.models.Assistant.findById(body._id).lean();
    expect(stored).toMatchObject({ role_prompt: '', mcp_servers: { max_iterations: 1 } });
  });

  it('forces builtin false on create and keeps the stored value on update', async () => {
    const { body } = await api.request('POST', '/assistant/', { name: 'sneaky', builtin: true });
    expect((await api.request('GET', `/assistant/${body._id}`)).body._source.builtin).toBe(false);
    await api.request('PUT', `/assistant/${body._id}`, { name: 'sneaky', builtin: true });
    expect((await api.request('GET', `/assistant/${body._id}`)).body._source.builtin).toBe(false);
    expect((await api.request('DELETE', `/assistant/${body._id}`)).status).toBe(200);
  });

  it('replaces on PUT: fields left out go back to their defaults, id and created stay', async () => {
    const { body } = await api.request('POST', '/assistant/', { name: 'r', description: 'old', tags: ['a'], keepalive: '5m' });
    const before = (await api.request('GET', `/assistant/${body._id}`)).body._source;
    await api.request('PUT', `/assistant/${body._id}`, { name: 'r2', id: 'other-id', created: '2000-01-01T00:00:00Z' });
    const after = (await api.request('GET', `/assistant/${body._id}`)).body._source;
    expect(after).toMatchObject({ id: body._id, name: 'r2', description: '', tags: [], keepalive: '30m', created: before.created });
    expect(after.updated >= before.updated).toBe(true);
  });

  it('names the field that has the wrong type, and stores nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', answering_model: { settings: { temperature: 'hot' } } }, 'answering_model.settings.temperature'],
      [{ name: 'x', config: { picking_doc_model: { settings: { max_tokens: 1.5 } } } }, 'config.picking_doc_model.settings.max_tokens'],
      [{ name: 'x', datasource: { ids: 'abc' } }, 'datasource.ids'],
      [{ name: 'x', mcp_servers: { max_iterations: '3' } }, 'mcp_servers.max_iterations'],
      [{ name: 'x', tools: { builtin: { wikipedia: 'no' } } }, 'tools.builtin.wikipedia'],
      [{ name: 'x', chat_settings: { history_message: { number: -1 } } }, 'chat_settings.history_message.number'],
      [{ name: 'x', chat_settings: { suggested: { questions: [1] } } }, 'chat_settings.suggested.questions[0]'],
      [{ name: 'x', keepalive: 'forever' }, 'keepalive'],
      [{ name: 'x', type: 'deep_research' }, 'type'],
      [{ name: 'x', enabled: 'yes' }, 'enabled'],
      [{ name: 'x', datasource: { filter: { wildcardz: { name: 'x' } } } }, 'datasource.filter'],
      [{ name: '' }, 'name'],
      [{ description: 'no name' }, 'name'],
    ];
    const before = await api.server.deps.mongo.models.Assistant.countDocuments();
    for (const [body, field] of cases) {
      const res = await api.request('POST', '/assistant/', body);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.error.reason.startsWith(`${field}: `)).toBe(true);
    }
    expect(await api.server.deps.mongo.models.Assistant.countDocuments()).toBe(before);
  });

  it('accepts ids of providers, datasources and MCP servers that do not exist yet', async () => {
    const res = await api.request('POST', '/assistant/', {
      name: 'forward refs',
      answering_model: { provider_id: 'not-created-yet', name: 'm' },
      datasource: { ids: ['ds-later'] },
      mcp_servers: { ids: ['mcp-later'] },
    });
    expect(res.status).toBe(200);
  });

  it('stores an ES filter with dotted keys exactly', async () => {
    const filter = { bool: { must: [{ term: { 'source.id': 'x' } }, { range: { updated: { gte: '2024-01-01' } } }] } };
    const { body } = await api.request('POST', '/assistant/', { name: 'filtered', datasource: { filter } });
    expect((await api.request('GET', `/assistant/${body._id}`)).body._source.datasource.filter).toEqual(filter);
  });

  it('answers unknown ids with 404 not_found on every verb', async () => {
    const notFound = { _id: 'nope', result: 'not_found' };
    expect(await api.request('GET', '/assistant/nope')).toMatchObject({ status: 404, body: notFound });
    expect(await api.request('PUT', '/assistant/nope', { name: 'x' })).toMatchObject({ status: 404, body: notFound });
    expect(await api.request('DELETE', '/assistant/nope')).toMatchObject({ status: 404, body: notFound });
    expect(await api.request('POST', '/assistant/nope/_clone')).toMatchObject({ status: 404, body: notFound });
  });
});

describe('built-in assistants', () => {
  it('are seeded: default and ai_overview', async () => {
    const d = (await api.request('GET', '/assistant/default')).body._source;
    const o = (await api.request('GET', '/assistant/ai_overview')).body._source;
    expect(d).toMatchObject({ id: 'default', name: 'Coco AI', builtin: true, type: 'simple', enabled: true, datasource: { ids: ['*'] } });
    expect(o).toMatchObject({ id: 'ai_overview', builtin: true, answering_model: { prompt: { template: '{{.query}}' } } });
    expect(o.role_prompt).toContain('250 characters');
  });

  it('cannot be deleted or renamed, but everything else is editable', async () => {
    expect(await api.request('DELETE', '/assistant/default')).toMatchObject({ status: 403, body: { status: 403, error: { reason: 'Built-in assistant cannot be deleted' } } });
    const current = (await api.request('GET', '/assistant/default')).body._source;
    const renamed = await api.request('PUT', '/assistant/default', { ...current, name: 'Mine now' });
    expect(renamed).toMatchObject({ status: 403, body: { error: { reason: 'Built-in assistant cannot be renamed' } } });
    const edited = await api.request('PUT', '/assistant/default', { ...current, description: 'edited', enabled: false });
    expect(edited.body).toEqual({ _id: 'default', result: 'updated' });
    expect((await api.request('GET', '/assistant/default')).body._source).toMatchObject({ name: 'Coco AI', description: 'edited', enabled: false, builtin: true });
  });

  it('clone into normal assistants', async () => {
    const { body } = await api.request('POST', '/assistant/ai_overview/_clone');
    const copy = (await api.request('GET', `/assistant/${body._id}`)).body._source;
    expect(copy).toMatchObject({ name: 'AI Overview_copy', builtin: false });
    expect((await api.request('DELETE', `/assistant/${body._id}`)).status).toBe(200);
  });
});
