// Unified search (GET|POST /query/_search) on the real stack: the API asks a worker over Redis, the
// worker answers from its BM25 index. A fixed small corpus: relevance order (a title match beats a word
// only in the content), filters and datasource ids, disabled datasources and documents never shown, no
// content in _source, aggregations with top_hits, assistants added as Coco adds them, widget scoping,
// and a clear 503 when no worker answers.
import { NoSearchWorker, SearchClient } from '../../src/bus/search-requests';
import { createRecord, seedUser, TestUser } from '../helpers/api';
import { ChatEnv, startChatEnv } from '../helpers/chat-env';

let env: ChatEnv;
let user: TestUser;
let notes: string;
let recipes: string;
let archive: string;
const ids: Record<string, string> = {};

const post = (path: string, body: unknown) => createRecord(env.api, path, body);

beforeAll(async () => {
  env = await startChatEnv('query-search');
  user = await seedUser(env.api, 'search-user');
  notes = await post('/datasource/', { name: 'notes' });
  recipes = await post('/datasource/', { name: 'recipes' });
  archive = await post('/datasource/', { name: 'archive', enabled: false });
  ids.ownership = await post(`/datasource/${notes}/_doc`, { title: 'Ownership in Rust', content: 'borrowing and lifetimes keep memory safe', category: 'programming', lang: 'en', payload: { secret: 'p' } });
  ids.iron = await post(`/datasource/${notes}/_doc`, { title: 'Caring for cast iron pans', content: 'dry the pan well or it will rust overnight; oil it after washing', category: 'kitchen', lang: 'en' });
  ids.python = await post(`/datasource/${notes}/_doc`, { title: 'Python notes', content: 'generators and iterators', category: 'programming', lang: 'en' });
  ids.hidden = await post(`/datasource/${notes}/_doc`, { title: 'Rust secrets', content: 'rust rust rust', category: 'programming', disabled: true });
  ids.soup = await post(`/datasource/${recipes}/_doc`, { title: 'Rust colored tomato soup', content: 'tomatoes, paprika', category: 'kitchen', lang: 'de' });
  ids.archived = await post(`/datasource/${archive}/_doc`, { title: 'Rust in the archive', content: 'rust', category: 'programming' });
}, 90_000);
afterAll(() => env?.close());

const search = (qs: string, headers: Record<string, string> = {}) => env.api.request('GET', `/query/_search?${qs}`, undefined, headers);
const docHits = (body: any) => body.hits.hits.filter((h: any) => h._source.type !== 'AI Assistant');

describe('GET /query/_search', () => {
  it('ranks by BM25: a title match beats a word only in the content; _source has no content or payload', async () => {
    const res = await search(`query=rust&datasource=${notes}`);
    expect(res.status).toBe(200);
    const hits = docHits(res.body);
    expect(hits.map((h: any) => h._id)).toEqual([ids.ownership, ids.iron]);
    expect(hits[0]._score).toBeGreaterThan(hits[1]._score);
    expect(hits[1]._score).toBeGreaterThan(0);
    expect(res.body.hits.total.value).toBeGreaterThanOrEqual(2);
    expect(res.body).toMatchObject({ timed_out: false, hits: { total: { relation: 'eq' } } });
    for (const h of hits) {
      expect(h._source).not.toHaveProperty('content');
      expect(h._source).not.toHaveProperty('payload');
      expect(h._source).not.toHaveProperty('payload_json');
    }
    expect(hits[0]._source).toMatchObject({ title: 'Ownership in Rust', category: 'programming', source: { id: notes, name: 'notes' } });
  });

  it('never shows disabled datasources or documents', async () => {
    const res = await search('query=rust&size=50', user.headers);
    expect(res.status).toBe(200);
    const found = docHits(res.body).map((h: any) => h._id);
    expect(found.sort()).toEqual([ids.ownership, ids.iron, ids.soup].sort());
    expect(found).not.toContain(ids.hidden);
    expect(found).not.toContain(ids.archived);
    const asked = await search(`query=rust&datasource=${archive}`, user.headers);
    expect(docHits(asked.body)).toEqual([]);
    // Without query words: every enabled document the filters let through.
    const browse = await search(`datasource=${notes},${archive}&size=50`);
    expect(browse.body.hits.total.value).toBe(3);
    expect(browse.body.hits.hits.map((h: any) => h._id).sort()).toEqual([ids.ownership, ids.iron, ids.python].sort());
  });

  it('filters: datasource ids (comma list), filter=, category=, from/size', async () => {
    const both = await search(`query=rust&datasource=${notes},${recipes}&size=10`);
    expect(docHits(both.body).map((h: any) => h._id)).toEqual(expect.arrayContaining([ids.ownership, ids.soup, ids.iron]));
    const onlyRecipes = await search(`query=rust&datasource=${recipes}`);
    expect(docHits(onlyRecipes.body).map((h: any) => h._id)).toEqual([ids.soup]);
    const kitchen = await search('query=rust&filter=category:kitchen');
    expect(docHits(kitchen.body).map((h: any) => h._id).sort()).toEqual([ids.iron, ids.soup].sort());
    const lang = await search('query=rust&filter=lang:de');
    expect(docHits(lang.body).map((h: any) => h._id)).toEqual([ids.soup]);
    const category = await search('query=rust&category=programming');
    expect(docHits(category.body).map((h: any) => h._id)).toEqual([ids.ownership]);
    const page1 = await search(`query=rust&datasource=${notes}&from=0&size=1`);
    const page2 = await search(`query=rust&datasource=${notes}&from=1&size=1`);
    expect(docHits(page1.body).map((h: any) => h._id)).toEqual([ids.ownership]);
    expect(page2.body.hits.hits.map((h: any) => h._id)).toEqual([ids.iron]);
    expect((await search('query=rust&size=1001')).status).toBe(400);
  });

  it('adds the caller’s matching enabled assistants above the best hit, as Coco does', async () => {
    const res = await search('query=coco');
    const assistants = res.body.hits.hits.filter((h: any) => h._source.type === 'AI Assistant');
    expect(assistants.map((h: any) => h._id)).toContain('default');
    const a = assistants.find((h: any) => h._id === 'default');
    expect(a._score).toBe(500); // no document matches: the best hit scores 0
    expect(a._source).toMatchObject({ title: 'Coco AI', url: 'coco://extenstions/infinilabs/ask_assistant/default', source: { id: 'assistant', name: 'Assistant', icon: 'font_robot' } });
    const withDocs = await search('query=rust');
    const [first] = withDocs.body.hits.hits;
    const best = Math.max(...docHits(withDocs.body).map((h: any) => h._score));
    if (first._source.type === 'AI Assistant') expect(first._score).toBeGreaterThanOrEqual(best + 500);
  });

  it('answers a widget only from its integration’s datasources', async () => {
    const created = await env.api.request('POST', '/integration/', { name: 'search widget', enabled_module: { search: { enabled: true, datasource: [recipes] } } });
    const token = (await env.api.request('GET', `/integration/${created.body._id}`)).body._source.token as string;
    const res = await search('query=rust', { 'X-API-TOKEN': token });
    expect(res.status).toBe(200);
    expect(docHits(res.body).map((h: any) => h._id)).toEqual([ids.soup]);
    const other = await search(`query=rust&datasource=${notes}`, { 'X-API-TOKEN': token });
    expect(docHits(other.body)).toEqual([]);
  });

  it('401 for anonymous callers, 200 for users', async () => {
    expect((await env.api.anonymous('GET', '/query/_search?query=rust')).status).toBe(401);
    expect((await search('query=rust', user.headers)).status).toBe(200);
  });
});

describe('POST /query/_search', () => {
  it('aggregates terms over every match, with a nested top_hits', async () => {
    const body = {
      size: 1,
      aggs: {
        category: { terms: { field: 'category' }, aggs: { top: { top_hits: { size: 1 } } } },
        lang: { terms: { field: 'lang' } },
        'source.id': { terms: { field: 'source.id' } },
        type: { terms: { field: 'type' } },
      },
    };
    const res = await env.api.request('POST', '/query/_search?query=rust', body);
    expect(res.status).toBe(200);
    expect(res.body.hits.total.value).toBeGreaterThanOrEqual(3);
    const cats = res.body.aggregations.category.buckets;
    expect(cats.map((b: any) => [b.key, b.doc_count])).toEqual([
      ['kitchen', 2],
      ['programming', 1],
    ]);
    expect(cats[1].top.hits.hits.map((h: any) => h._id)).toEqual([ids.ownership]);
    expect(cats[1].top.hits.hits[0]._source).not.toHaveProperty('content');
    expect(res.body.aggregations['source.id'].buckets.map((b: any) => b.key).sort()).toEqual([notes, recipes].sort());
    expect(res.body.aggregations.lang.buckets).toEqual([
      { key: 'en', doc_count: 2 },
      { key: 'de', doc_count: 1 },
    ]);
    const bad = await env.api.request('POST', '/query/_search?query=rust', { aggs: { x: { terms: { field: 'content' } } } });
    expect(bad.status).toBe(400);
  });
});

it('a request no worker takes fails after the bounded wait', async () => {
  const { redis, hub } = env.api.server.deps;
  const client = new SearchClient(redis, hub, 'nobody-listens:', 300);
  const t0 = Date.now();
  await expect(client.ask({ datasourceIds: ['x'], text: 'a', filters: [], from: 0, size: 1 })).rejects.toBeInstanceOf(NoSearchWorker);
  expect(Date.now() - t0).toBeLessThan(2000);
  await redis.del('nobody-listens:search:requests');
});
