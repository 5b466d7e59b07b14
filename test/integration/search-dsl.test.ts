// The query-string DSL and the ES body subset, run against real FerretDB through the document and
// assistant search endpoints.
import { startTestApi, TestApi } from '../helpers/api';

let api: TestApi;
let dsId: string;
const docs = [
  { title: 'Temporal workflows explained', category: 'guide', tags: ['temporal', 'durable'], size: 10, content: 'Workflows replay deterministically.' },
  { title: 'FerretDB on SQLite', category: 'guide', tags: ['mongo', 'sqlite'], size: 20, content: 'A MongoDB wire protocol proxy.' },
  { title: 'Redis streams for chat', category: 'howto', tags: ['redis'], size: 30, content: 'Pub/sub plus a stream log.' },
  { title: 'Koa middleware order', category: 'howto', tags: ['koa', 'http'], size: 40, content: 'Errors are written in one place.' },
  { title: 'Temporal activities and heartbeats', category: 'reference', tags: ['temporal'], size: 50, content: 'Cancellation arrives with heartbeats.' },
  { title: 'Disabled draft', category: 'draft', tags: [], size: 60, content: 'Not ready.', disabled: true },
  { title: '检索增强生成', category: 'guide', tags: ['rag'], size: 70, content: '中文文档内容' },
];

const titles = (res: any) => res.body.hits.hits.map((h: any) => h._source.title);
const search = (qs: string, body?: unknown) => api.request(body === undefined ? 'GET' : 'POST', `/document/_search?${qs}`, body);

beforeAll(async () => {
  api = await startTestApi('search');
  dsId = (await api.request('POST', '/datasource/', { name: 'docs' })).body._id;
  for (const d of docs) {
    const res = await api.request('POST', `/datasource/${dsId}/_doc`, d);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 5)); // distinct created times for sorting
  }
});
afterAll(() => api.close());

describe('query-string DSL', () => {
  it('answers in the ES shape with _source.id = _id', async () => {
    const res = await search('size=2');
    expect(res.body).toMatchObject({ timed_out: false, hits: { total: { value: 7, relation: 'eq' }, max_score: 1 } });
    expect(res.body.hits.hits).toHaveLength(2);
    for (const h of res.body.hits.hits) expect(h).toMatchObject({ _index: 'coco_document', _id: h._source.id, _score: 1 });
  });

  it('query= searches the default fields, case-insensitively, any word', async () => {
    expect(titles(await search('query=temporal&sort=size:asc'))).toEqual(['Temporal workflows explained', 'Temporal activities and heartbeats']);
    expect(titles(await search('query=HEARTBEATS'))).toEqual(['Temporal activities and heartbeats']);
    expect(titles(await search(`query=${encodeURIComponent('检索')}`))).toEqual(['检索增强生成']);
    expect((await search('query=nothing-matches-this')).body.hits).toMatchObject({ total: { value: 0 }, max_score: null, hits: [] });
  });

  it('query=field:value searches that field only', async () => {
    expect(titles(await search('query=content:deterministically'))).toEqual(['Temporal workflows explained']);
    expect(titles(await search('query=category:howto&sort=size:asc'))).toEqual(['Redis streams for chat', 'Koa middleware order']);
  });

  it('ANDs filters on different fields and ORs repeated filters on one field', async () => {
    expect(titles(await search('filter=category:guide&filter=tags:temporal'))).toEqual(['Temporal workflows explained']);
    expect(titles(await search('filter=category:howto&filter=category:reference&sort=size:asc'))).toEqual([
      'Redis streams for chat',
      'Koa middleware order',
      'Temporal activities and heartbeats',
    ]);
  });

  it('types numbers and booleans, and supports ranges, negation and exists', async () => {
    expect(titles(await search('filter=disabled:true'))).toEqual(['Disabled draft']);
    expect(titles(await search('filter=size>=40&filter=size<60&sort=size:asc'))).toEqual(['Koa middleware order', 'Temporal activities and heartbeats']);
    expect(titles(await search('filter=-category:guide&filter=-disabled:true&sort=size:desc'))).toEqual([
      'Temporal activities and heartbeats',
      'Koa middleware order',
      'Redis streams for chat',
    ]);
    expect((await search('filter=exists(tags)')).body.hits.total.value).toBe(7);
    expect((await search('filter=exists(no_such_field)')).body.hits.total.value).toBe(0);
    expect(titles(await search(`filter=source.id:${dsId}&filter=size:20`))).toEqual(['FerretDB on SQLite']);
  });

  it('sorts and pages', async () => {
    const all = titles(await search('sort=size:desc&size=100'));
    expect(all[0]).toBe('检索增强生成');
    const page2 = await search('sort=size:desc&from=2&size=2');
    expect(titles(page2)).toEqual(all.slice(2, 4));
    expect(page2.body.hits.total.value).toBe(7);
    expect(titles(await search('sort=created:asc&size=1'))).toEqual(['Temporal workflows explained']);
  });

  it('refuses malformed parameters with a 400 that says which', async () => {
    expect((await search('size=abc')).body).toEqual({ status: 400, error: { reason: 'size: expected a non-negative integer, got "abc"' } });
    expect((await search('sort=size:sideways')).status).toBe(400);
    expect((await search('filter=metadata_json:x')).body.error.reason).toContain('is not searchable');
  });
});

describe('ES body DSL', () => {
  it('match, term, terms, prefix, range and match_all', async () => {
    expect(titles(await search('', { query: { match: { title: 'redis' } } }))).toEqual(['Redis streams for chat']);
    expect(titles(await search('', { query: { term: { 'category.keyword': 'reference' } } }))).toEqual(['Temporal activities and heartbeats']);
    expect((await search('', { query: { terms: { tags: ['koa', 'redis'] } } })).body.hits.total.value).toBe(2);
    expect(titles(await search('', { query: { prefix: { title: 'Ferret' } } }))).toEqual(['FerretDB on SQLite']);
    expect((await search('', { query: { range: { size: { gt: 30, lte: 50 } } } })).body.hits.total.value).toBe(2);
    expect((await search('', { query: { match_all: {} }, size: 0 })).body.hits).toMatchObject({ total: { value: 7 }, hits: [] });
  });

  it('bool must / should / filter / must_not', async () => {
    const res = await search('', {
      query: {
        bool: {
          must: [{ match: { combined_fulltext: 'temporal' } }],
          filter: [{ term: { disabled: false } }],
          must_not: [{ term: { category: 'reference' } }],
        },
      },
    });
    expect(titles(res)).toEqual(['Temporal workflows explained']);
    const should = await search('', { query: { bool: { should: [{ term: { category: 'draft' } }, { term: { tags: 'rag' } }] } }, sort: [{ size: 'asc' }] });
    expect(titles(should)).toEqual(['Disabled draft', '检索增强生成']);
  });

  it('from/size/sort in the body, and merged with the query string', async () => {
    const res = await search('filter=category:guide', { query: { range: { size: { gte: 20 } } }, sort: [{ size: { order: 'desc' } }], from: 0, size: 1 });
    expect(titles(res)).toEqual(['检索增强生成']);
    expect(res.body.hits.total.value).toBe(2);
  });

  it('terms aggregations, over plain and array fields', async () => {
    const res = await search('', { size: 0, aggs: { categories: { terms: { field: 'category', size: 2 } }, tags: { terms: { field: 'tags' } } } });
    expect(res.body.aggregations.categories).toEqual({
      doc_count_error_upper_bound: 0,
      sum_other_doc_count: 2,
      buckets: [
        { key: 'guide', doc_count: 3 },
        { key: 'howto', doc_count: 2 },
      ],
    });
    expect(res.body.aggregations.tags.buckets).toContainEqual({ key: 'temporal', doc_count: 2 });
    expect(res.body.aggregations.tags.buckets).toHaveLength(8);
  });

  it('refuses unsupported clauses with the path of the problem', async () => {
    const res = await search('', { query: { bool: { filter: [{ term: { a: 1 } }, { script: { source: 'x' } }] } } });
    expect(res.body).toEqual({ status: 400, error: { reason: 'query.bool.filter[1]: unsupported query type "script"' } });
    expect((await search('', { aggs: { x: { avg: { field: 'size' } } } })).status).toBe(400);
    expect((await search('', { size: -1 })).status).toBe(400);
  });
});

describe('assistant search as Coco clients send it', () => {
  it("coco-app: query-string POST with an empty body, filter=enabled:true and one filter=id per id", async () => {
    const res = await api.request('POST', '/assistant/_search?from=0&size=10&query=&fuzziness=5&filter=enabled:true&filter=id:default&filter=id:ai_overview');
    expect(res.body.hits.hits.map((h: any) => h._id).sort()).toEqual(['ai_overview', 'default']);
    const byName = await api.request('POST', '/assistant/_search?query=overview&fuzziness=5');
    expect(byName.body.hits.hits.map((h: any) => h._id)).toEqual(['ai_overview']);
  });

  it("admin UI: the categories aggregation", async () => {
    await api.request('POST', '/assistant/', { name: 'cat a', category: 'support' });
    await api.request('POST', '/assistant/', { name: 'cat b', category: 'support' });
    const res = await api.request('POST', '/assistant/_search', { size: 0, aggs: { categories: { terms: { field: 'category', size: 100 } } } });
    expect(res.body.hits.hits).toEqual([]);
    expect(res.body.aggregations.categories.buckets).toEqual([{ key: 'support', doc_count: 2 }]);
  });
});
