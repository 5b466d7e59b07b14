// Runs an ES-shaped search against a mongoose model and answers in Elasticsearch's response shape.
import type { PipelineStage } from 'mongoose';
import type { AnyModel } from '../models';
import { isObject } from '../shared/objects';
import { SearchQueryError } from './errors';
import { compileQuery, Filter } from './es-query';
import { checkField, SearchFields } from './fields';
import { EsBody, MAX_FROM, MAX_SIZE, parseSort } from './query-string';

/** How long a search may run on the database (MongoDB and FerretDB stop it there: maxTimeMS). */
export const SEARCH_TIME_LIMIT_MS = 5000;

/** MongoDB's MaxTimeMSExpired (code 50), as both MongoDB and FerretDB report it. */
const isTimeLimit = (err: unknown) => (err as { code?: number } | null)?.code === 50;

/**
 * A filter the schema cannot cast (found by the hostile-input suite: `{"match": {"created": "x"}}` or a
 * `prefix`/`wildcard` on a date, a non-boolean `term` on `enabled`) makes mongoose throw when the query
 * runs: that is the caller's query, a 400 naming the field and the type, not a 500. Only these errors;
 * anything else still surfaces as the bug it is.
 */
function castProblem(err: unknown): string | undefined {
  const e = err as { name?: string; path?: string; kind?: string; message?: string } | null;
  if (e?.name === 'CastError' && e.path) return `query: field "${e.path}" expects a ${String(e.kind).toLowerCase()} value`;
  const m = /^Can't use (\$\w+) with (\w+)/.exec(e?.message ?? '');
  if (m) return `query: a text query (${m[1]}) cannot match a ${m[2]!.toLowerCase()} field: use term or range`;
  return undefined;
}

/** How many aggregations one search may ask for. */
const MAX_AGGS = 20;

export interface SearchRequest {
  /** Clauses AND-ed together (query-string part, ES body part, endpoint scoping). */
  clauses: unknown[];
  from: number;
  size: number;
  sort?: unknown;
  aggs?: unknown;
  /** Used when the request names no sort. */
  defaultSort?: Record<string, 1 | -1>;
}

export interface EsHit<T> {
  _index: string;
  _type: '_doc';
  _id: string;
  _score: number;
  _source: T;
}

export interface EsResponse<T> {
  took: number;
  timed_out: false;
  _shards: { total: 1; successful: 1; skipped: 0; failed: 0 };
  hits: { total: { value: number; relation: 'eq' }; max_score: number | null; hits: EsHit<T>[] };
  aggregations?: Record<string, unknown>;
}

/** ES sort in any of its forms ("f", "f:desc", {f:"desc"}, {f:{order}}, arrays of these) → Mongo sort. */
export function toMongoSort(sort: unknown, fields: SearchFields): Record<string, 1 | -1> {
  const out: Record<string, 1 | -1> = {};
  const items = Array.isArray(sort) ? sort : [sort];
  if (items.length > 32) throw new SearchQueryError('sort: at most 32 sort fields');
  for (const item of items) {
    if (typeof item === 'string') {
      for (const s of parseSort(item)) Object.assign(out, toMongoSort(s, fields));
      continue;
    }
    if (!isObject(item)) throw new SearchQueryError('sort: expected a field name or {"<field>": {"order": "asc|desc"}}');
    for (const [field, spec] of Object.entries(item)) {
      if (field === '_score') continue; // relevance is not modelled; the default order stands in
      const order = isObject(spec) ? spec.order : spec;
      const dir = String(order ?? 'asc').toLowerCase();
      if (dir !== 'asc' && dir !== 'desc') throw new SearchQueryError(`sort.${field}: order must be asc or desc`);
      out[checkField(fields, field, 'sort', 'sortable')] = dir === 'asc' ? 1 : -1;
    }
  }
  return out;
}

function buildFilter(clauses: unknown[], fields: SearchFields): Filter {
  const compiled = clauses.map((c, i) => compileQuery(c, fields, clauses.length > 1 ? `query[${i}]` : 'query'));
  return flattenAnd({ $and: compiled });
}

/**
 * `{$and: [{a: 1}, {b: 2}]}` as `{a: 1, b: 2}`, the same filter: the embedded store (FerretDB) can use an
 * index only for conditions on top-level fields, so a scoping term (a session's, an owner's) must not
 * hide inside an `$and`. Clauses whose keys would collide stay in an `$and`.
 */
export function flattenAnd(filter: Filter): Filter {
  const clauses = Object.keys(filter).length === 1 && Array.isArray(filter.$and) ? (filter.$and as Filter[]) : [filter];
  const merged: Filter = {};
  const rest: Filter[] = [];
  for (const clause of clauses) {
    const flat = Object.keys(clause).length === 1 && Array.isArray(clause.$and) ? flattenAnd(clause) : clause;
    if (Object.keys(flat).some((k) => k in merged)) rest.push(flat);
    else Object.assign(merged, flat);
  }
  if (rest.length > 0) merged.$and = [...((merged.$and as Filter[] | undefined) ?? []), ...rest];
  return merged;
}

async function termsAggs(model: AnyModel, filter: Filter, aggs: unknown, fields: SearchFields, deadline: number) {
  if (!isObject(aggs)) throw new SearchQueryError('aggs: expected an object of named aggregations');
  if (Object.keys(aggs).length > MAX_AGGS) throw new SearchQueryError(`aggs: at most ${MAX_AGGS} aggregations`);
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(aggs)) {
    if (!isObject(spec) || !isObject(spec.terms) || typeof spec.terms.field !== 'string') {
      throw new SearchQueryError(`aggs.${name}: only {"terms": {"field": "<name>", "size": N}} aggregations are supported`);
    }
    const field = checkField(fields, spec.terms.field, `aggs.${name}.terms.field`, 'aggregatable');
    const size = spec.terms.size === undefined ? 10 : Number(spec.terms.size);
    if (!Number.isInteger(size) || size < 0) throw new SearchQueryError(`aggs.${name}.terms.size: expected a non-negative integer`);
    const pipeline: PipelineStage[] = [{ $match: filter }];
    if (fields.arrays?.includes(field)) pipeline.push({ $unwind: `$${field}` });
    // FerretDB 1.24 supports $group only with $sum/$count; sorting and cutting are done here.
    pipeline.push({ $group: { _id: `$${field}`, doc_count: { $sum: 1 } } });
    // The aggregations run one after another: each gets what is left of the search's time, not 5 s of its
    // own (20 of them on a big collection were 20 × 5 s for one request; seen by bench/hostile-search.ts).
    const left = deadline - Date.now();
    if (left <= 0) throw Object.assign(new Error('search time limit'), { code: 50 });
    const groups = (await model.aggregate(pipeline).option({ maxTimeMS: left })) as Array<{ _id: unknown; doc_count: number }>;
    const buckets = groups
      .filter((g) => g._id !== null && g._id !== undefined && g._id !== '')
      .sort((a, b) => b.doc_count - a.doc_count || String(a._id).localeCompare(String(b._id)));
    const top = buckets.slice(0, size);
    out[name] = {
      doc_count_error_upper_bound: 0,
      sum_other_doc_count: buckets.slice(size).reduce((n, b) => n + b.doc_count, 0),
      buckets: top.map((b) => ({ key: b._id, doc_count: b.doc_count })),
    };
  }
  return out;
}

export async function runSearch<T>(
  model: AnyModel,
  fields: SearchFields,
  req: SearchRequest,
  present: (doc: Record<string, unknown>) => T,
): Promise<EsResponse<T>> {
  const started = Date.now();
  const filter = buildFilter(req.clauses, fields);
  const sort = req.sort !== undefined ? toMongoSort(req.sort, fields) : {};
  const effectiveSort = { ...(Object.keys(sort).length ? sort : (req.defaultSort ?? { created: -1 })), _id: 1 as const };
  const [docs, total, aggregations] = await Promise.all([
    req.size === 0 ? [] : model.find(filter).sort(effectiveSort).skip(req.from).limit(req.size).maxTimeMS(SEARCH_TIME_LIMIT_MS).lean(),
    model.countDocuments(filter).maxTimeMS(SEARCH_TIME_LIMIT_MS),
    req.aggs !== undefined ? termsAggs(model, filter, req.aggs, fields, started + SEARCH_TIME_LIMIT_MS) : undefined,
  ]).catch((err: unknown) => {
    if (isTimeLimit(err)) throw new SearchQueryError(`the search took longer than ${SEARCH_TIME_LIMIT_MS / 1000} s: narrow the query`);
    const cast = castProblem(err);
    if (cast) throw new SearchQueryError(cast);
    throw err;
  });
  return { ...esResponse(fields.index, (docs as Array<Record<string, unknown>>).map(present), (docs as Array<{ _id: unknown }>).map((d) => String(d._id)), total, started), ...(aggregations && { aggregations }) };
}

/** Documents (and their ids) in Elasticsearch's response shape; `started`: when the search began (Date.now()). */
export function esResponse<T>(index: string, sources: T[], ids: string[], total: number, started: number): EsResponse<T> {
  const hits = sources.map((source, i) => ({ _index: index, _type: '_doc' as const, _id: ids[i]!, _score: 1, _source: source }));
  return {
    took: Date.now() - started,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: { total: { value: total, relation: 'eq' }, max_score: hits.length ? 1 : null, hits },
  };
}

/** Merges an ES body (from a POST) with the query-string DSL: both constrain the result. */
export function toSearchRequest(qs: EsBody, body: unknown): SearchRequest {
  const clauses: unknown[] = qs.query ? [qs.query] : [];
  const req: SearchRequest = { clauses, from: qs.from ?? 0, size: qs.size ?? 10, sort: qs.sort };
  if (body === undefined || body === null) return req;
  if (!isObject(body)) throw new SearchQueryError('search body: expected a JSON object');
  const allowed = ['query', 'from', 'size', 'sort', 'aggs', 'aggregations', '_source', 'track_total_hits', 'highlight', 'post_filter'];
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw new SearchQueryError(`search body: unsupported key "${k}"`);
  }
  if (body.query !== undefined) clauses.push(body.query);
  if (body.post_filter !== undefined) clauses.push(body.post_filter);
  for (const k of ['from', 'size'] as const) {
    const v = body[k];
    if (v === undefined) continue;
    const max = k === 'size' ? MAX_SIZE : MAX_FROM;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      throw new SearchQueryError(`search body: ${k} must be an integer between 0 and ${max}`);
    }
    req[k] = v;
  }
  if (body.sort !== undefined) req.sort = body.sort;
  const aggs = body.aggs ?? body.aggregations;
  if (aggs !== undefined) req.aggs = aggs;
  return req;
}
