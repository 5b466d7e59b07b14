import { SearchQueryError } from '../../src/search/errors';
import { compileQuery } from '../../src/search/es-query';
import { SearchFields } from '../../src/search/fields';
import { queryStringToEs } from '../../src/search/query-string';
import { flattenAnd, toMongoSort, toSearchRequest } from '../../src/search/execute';

const fields: SearchFields = {
  index: 'coco_test',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description'],
  dates: ['created'],
  hidden: ['secret'],
};

describe('ES query → Mongo filter', () => {
  it('translates term, terms, ids and match_all', () => {
    expect(compileQuery({ match_all: {} }, fields)).toEqual({});
    expect(compileQuery({ term: { 'name.keyword': 'x' } }, fields)).toEqual({ name: 'x' });
    expect(compileQuery({ term: { enabled: { value: true } } }, fields)).toEqual({ enabled: true });
    expect(compileQuery({ terms: { id: ['a', 'b'] } }, fields)).toEqual({ _id: { $in: ['a', 'b'] } });
    expect(compileQuery({ ids: { values: ['a'] } }, fields)).toEqual({ _id: { $in: ['a'] } });
  });

  it('turns match into case-insensitive word matches, over combined_fulltext fields', () => {
    expect(compileQuery({ match: { name: 'Hello' } }, fields)).toEqual({ name: { $regex: 'Hello', $options: 'i' } });
    expect(compileQuery({ match: { combined_fulltext: { query: 'a b', operator: 'and' } } }, fields)).toEqual({
      $and: [
        { $or: [{ name: { $regex: 'a', $options: 'i' } }, { description: { $regex: 'a', $options: 'i' } }] },
        { $or: [{ name: { $regex: 'b', $options: 'i' } }, { description: { $regex: 'b', $options: 'i' } }] },
      ],
    });
  });

  it('escapes regex characters in user text', () => {
    expect(compileQuery({ prefix: { name: 'a.b(' } }, fields)).toEqual({ name: { $regex: '^a\\.b\\(' } });
  });

  it('translates bool with must, filter, should and must_not', () => {
    const f = compileQuery(
      { bool: { must: [{ term: { a: 1 } }], filter: { term: { b: 2 } }, must_not: [{ term: { c: 3 } }], should: [{ term: { d: 4 } }] } },
      fields,
    );
    // should is optional when must/filter exist (it only scores in ES)
    expect(f).toEqual({ $and: [{ a: 1 }, { b: 2 }, { $nor: [{ c: 3 }] }] });
    expect(compileQuery({ bool: { should: [{ term: { a: 1 } }, { term: { a: 2 } }] } }, fields)).toEqual({ $or: [{ a: 1 }, { a: 2 }] });
  });

  it('converts range and term values on date fields to dates', () => {
    const f = compileQuery({ range: { created: { gte: '2024-01-01T00:00:00Z', lt: 1735689600000 } } }, fields) as any;
    expect(f.created.$gte).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(f.created.$lt).toEqual(new Date(1735689600000));
    expect(() => compileQuery({ range: { created: { gte: 'yesterday-ish' } } }, fields)).toThrow('is not a date');
  });

  it('exists means present and not null', () => {
    expect(compileQuery({ exists: { field: 'x' } }, fields)).toEqual({ x: { $exists: true, $ne: null } });
  });

  it('refuses unknown query types and hidden fields with the path of the problem', () => {
    expect(() => compileQuery({ bool: { must: [{ term: { a: 1 } }, { geo_shape: {} }] } }, fields)).toThrow(
      'query.bool.must[1]: unsupported query type "geo_shape"',
    );
    expect(() => compileQuery({ term: { secret: 'x' } }, fields)).toThrow(SearchQueryError);
    expect(() => compileQuery({ term: { a: 1, b: 2 } }, fields)).toThrow('expected exactly one field');
    expect(() => compileQuery('nope', fields)).toThrow('expected a query object');
  });
});

describe('query-string DSL', () => {
  it('puts a bare query on the default fields, and field:value on that field', () => {
    expect(queryStringToEs({ query: 'hello' }, fields.defaultFields).query).toEqual({
      bool: { must: [{ multi_match: { query: 'hello', fields: ['name', 'combined_fulltext'] } }] },
    });
    expect(queryStringToEs({ query: 'name:coco' }, fields.defaultFields).query).toEqual({
      bool: { must: [{ match: { name: { query: 'coco' } } }] },
    });
  });

  it('ORs repeated filters on one field, ANDs different fields, types numbers and booleans', () => {
    const body = queryStringToEs({ filter: ['id:a', 'id:b', 'enabled:true', 'count>=3', '-type:x', 'exists(icon)'] }, fields.defaultFields);
    expect(body.query).toEqual({
      bool: {
        filter: [
          { range: { count: { gte: 3 } } },
          { exists: { field: 'icon' } },
          { terms: { id: ['a', 'b'] } },
          { terms: { enabled: [true, 'true'] } },
        ],
        must_not: [{ terms: { type: ['x'] } }],
      },
    });
  });

  it('parses sort, from and size, and rejects bad numbers', () => {
    const body = queryStringToEs({ sort: 'name:desc,created', from: '5', size: '7' }, fields.defaultFields);
    expect(body).toMatchObject({ from: 5, size: 7, sort: [{ name: { order: 'desc' } }, { created: { order: 'asc' } }] });
    expect(() => queryStringToEs({ size: '-1' }, [])).toThrow('size: expected a non-negative integer');
    expect(() => queryStringToEs({ sort: 'name:up' }, [])).toThrow('must end in :asc or :desc');
  });
});

describe('search request', () => {
  it('accepts every ES sort form', () => {
    expect(toMongoSort([{ created: { order: 'desc' } }, { name: 'asc' }, 'id', '_score'], fields)).toEqual({ created: -1, name: 1, _id: 1 });
  });

  it('refuses to sort on hidden fields or anything under them', () => {
    expect(() => toMongoSort('secret:asc', fields)).toThrow('sort: field "secret" is not sortable');
    expect(() => toMongoSort([{ 'secret.inner': 'desc' }], fields)).toThrow(SearchQueryError);
  });

  it('merges the ES body with the query string and validates paging', () => {
    const qs = queryStringToEs({ query: 'x', size: '3' }, ['name']);
    const req = toSearchRequest(qs, { query: { term: { a: 1 } }, from: 2, aggs: { t: { terms: { field: 'tags' } } } });
    expect(req.clauses).toHaveLength(2);
    expect(req).toMatchObject({ from: 2, size: 3, aggs: { t: { terms: { field: 'tags' } } } });
    expect(() => toSearchRequest(qs, { size: 20000 })).toThrow('size must be an integer between 0 and 1000');
    expect(() => toSearchRequest(qs, { script: {} })).toThrow('unsupported key "script"');
  });
});

describe('flattenAnd', () => {
  it('lifts the clauses of an $and to the top level, where the store can use an index for them', () => {
    expect(flattenAnd({ $and: [{ owner_id: 'u' }, { $nor: [{ visible: false }] }] })).toEqual({ owner_id: 'u', $nor: [{ visible: false }] });
    expect(flattenAnd({ $and: [{}, { session_id: 's' }] })).toEqual({ session_id: 's' });
    expect(flattenAnd({ $and: [{ $and: [{ a: 1 }, { b: 2 }] }, { c: 3 }] })).toEqual({ a: 1, b: 2, c: 3 });
    expect(flattenAnd({ $and: [] })).toEqual({});
  });

  it('keeps clauses whose keys would collide in an $and', () => {
    expect(flattenAnd({ $and: [{ $or: [{ a: 1 }] }, { $or: [{ b: 2 }] }, { s: 'x' }] })).toEqual({ $or: [{ a: 1 }], s: 'x', $and: [{ $or: [{ b: 2 }] }] });
    expect(flattenAnd({ $and: [{ a: { $gt: 1 } }, { a: { $lt: 5 } }] })).toEqual({ a: { $gt: 1 }, $and: [{ a: { $lt: 5 } }] });
  });
});
