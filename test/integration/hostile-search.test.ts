// The search holes found by the hostile-input sweep (issue 14), each answered with a clear 400 that names
// the problem, fast, and without leaking anything: operator and malformed field names, hidden fields and
// their parents, unknown fields, oversized and over-nested queries, and backtracking wildcards.
import { compileDocFilter } from '../../src/retrieval/filter';
import { compileQuery } from '../../src/search/es-query';
import { DOCUMENT_SEARCH_FIELDS } from '../../src/domain/documents/records';
import { startTestApi, TestApi } from '../helpers/api';

let api: TestApi;
const SECRET = 'connector-secret-0123456789';

beforeAll(async () => {
  api = await startTestApi('hostile-search');
  await api.request('POST', '/datasource/', { name: 'with secret', connector: { id: 'web', config: { token: SECRET, url: 'https://example.com' } } });
  await api.request('POST', '/assistant/', { name: `${'b'.repeat(39)}x`, type: 'simple' });
}, 60_000);
afterAll(() => api.close());

const post = (path: string, body: unknown) => api.request('POST', path, body);
const reasonOf = (res: { status: number; body: any }) => {
  expect(res.status).toBe(400);
  return res.body.error.reason as string;
};

describe('field names', () => {
  it.each([
    ['a $where term', { query: { term: { $where: 'sleep(2000)||true' } } }, 'query.term: "$where" is not a field name (letters, digits and _ joined by dots)'],
    ['an $expr exists', { query: { exists: { field: '$expr' } } }, 'query.exists: "$expr" is not a field name (letters, digits and _ joined by dots)'],
    ['a leading dot', { query: { term: { '.api_key': 'x' } } }, 'query.term: ".api_key" is not a field name (letters, digits and _ joined by dots)'],
    ['an empty segment', { query: { term: { 'a..b': 'x' } } }, 'query.term: "a..b" is not a field name (letters, digits and _ joined by dots)'],
    ['an aggregation on $$ROOT', { size: 0, aggs: { x: { terms: { field: '$$ROOT' } } } }, 'aggs.x.terms.field: "$$ROOT" is not a field name (letters, digits and _ joined by dots)'],
    ['a sort on $natural', { sort: [{ $natural: 'desc' }] }, 'sort: "$natural" is not a field name (letters, digits and _ joined by dots)'],
    ['an unknown field', { query: { term: { no_such_field: 'x' } } }, 'query.term: field "no_such_field" is not searchable'],
  ])('refuses %s with a 400 naming it', async (_what, body, reason) => {
    expect(reasonOf(await post('/assistant/_search', body))).toBe(reason);
  });

  it("refuses a hidden field's parent, so an aggregation cannot return the connector's secrets", async () => {
    const res = await post('/datasource/_search', { size: 0, aggs: { x: { terms: { field: 'connector' } } } });
    expect(reasonOf(res)).toBe('aggs.x.terms.field: field "connector" is not aggregatable');
    expect(res.text).not.toContain(SECRET);
    for (const field of ['connector.config_json', 'connector.config_json.token']) {
      const hidden = await post('/datasource/_search', { query: { exists: { field } } });
      expect(reasonOf(hidden)).toBe(`query.exists: field "${field}" is not searchable`);
    }
    // Its kind stays searchable.
    expect((await post('/datasource/_search', { query: { term: { 'connector.id': 'web' } } })).body.hits.total.value).toBe(1);
  });

  it('still searches real fields, including under free-form ones', async () => {
    expect((await post('/assistant/_search', { query: { term: { 'datasource.enabled': true } } })).status).toBe(200);
    expect((await api.request('GET', '/assistant/_search?filter=enabled:true&sort=name:asc')).status).toBe(200);
  });
});

describe('size of a query', () => {
  it('refuses 20,000 words, 5,000 should clauses, 1,000 nested bools and 10,000-level JSON, quickly', async () => {
    const started = Date.now();
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(' ');
    expect(reasonOf(await post('/assistant/_search', { query: { match: { name: words } } }))).toMatch(/^query\.match\.name: a text query may have at most 10000 characters$/);
    const manyWords = 'w '.repeat(1100);
    expect(reasonOf(await post('/assistant/_search', { query: { match: { name: manyWords } } }))).toBe('query.match.name: a query may have at most 1024 words');
    const should = Array.from({ length: 5000 }, (_, i) => ({ term: { name: `n${i}` } }));
    expect(reasonOf(await post('/assistant/_search', { query: { bool: { should } } }))).toBe('query.bool.should: at most 1024 clauses');
    let nested: unknown = { match_all: {} };
    for (let i = 0; i < 1000; i++) nested = { bool: { must: nested } };
    const deep = await post('/assistant/_search', { query: nested });
    expect(deep.status).toBe(400);
    expect(deep.body.error.reason).toMatch(/^request body nests deeper than 64 levels|queries may nest at most 32 levels/);
    let shallowEnough: unknown = { match_all: {} };
    for (let i = 0; i < 20; i++) shallowEnough = { bool: { must: shallowEnough } };
    expect(reasonOf(await post('/assistant/_search', { query: shallowEnough }))).toMatch(/queries may nest at most 32 levels$/);
    const json = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(reasonOf(await api.request('POST', '/assistant/_search', json))).toBe('request body nests deeper than 64 levels (at line 1, column 65)');
    expect(reasonOf(await post('/assistant/_search', { size: 5000 }))).toBe('search body: size must be an integer between 0 and 1000');
    expect(reasonOf(await api.request('GET', '/assistant/_search?size=5000'))).toBe('size: must be at most 1000');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('wildcards', () => {
  const pattern = '*a'.repeat(10);

  it('match in linear time in a search (ten `*a` segments on a 40-character name)', async () => {
    // The embedded store runs regexes with RE2: wildcards go to it as plain `.*` runs.
    expect(api.server.deps.mongo.regexDialect).toBe('re2');
    const started = Date.now();
    const res = await post('/assistant/_search', { query: { wildcard: { name: pattern } } });
    expect(res.status).toBe(200);
    expect(res.body.hits.total.value).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    const hit = await post('/assistant/_search', { query: { wildcard: { name: '*b*b*x' } } });
    expect(hit.body.hits.hits.map((h: any) => h._source.name)).toEqual([`${'b'.repeat(39)}x`]);
  });

  it('match in linear time in the retrieval filter (an assistant datasource.filter)', () => {
    const test = compileDocFilter(compileQuery({ wildcard: { title: pattern } }, DOCUMENT_SEARCH_FIELDS));
    const started = Date.now();
    expect(test({ title: `${'a'.repeat(39)}b` } as never)).toBe(false);
    expect(test({ title: 'a'.repeat(40) } as never)).toBe(true);
    expect(Date.now() - started).toBeLessThan(200);
  });
});
