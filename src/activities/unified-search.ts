// The worker's side of unified search (/query/_search): answers a request the API sent over Redis
// (bus/search-requests) from this worker's BM25 indexes (retrieval/engine), the same ones chat retrieval
// uses: one page of hits with their scores, the total, and terms aggregations (with a nested top_hits)
// over every match. Hits carry what the index keeps of a document: never content or payload.
import type { SearchAnswer, SearchAsk, SearchHitWire } from '../bus/search-requests';
import { serveSearchRequests, type SearchServer } from '../bus/search-requests';
import type { Logger } from '../infra/logger';
import type { Redis } from '../infra/redis';
import { byRank, type Match, type RetrievalEngine } from '../retrieval/engine';
import { RetrievalError } from '../retrieval/errors';
import { TopK } from '../retrieval/top-k';
import type { IndexedDoc, RetrievedDoc } from '../retrieval/types';
import { isObject } from '../shared/objects';
import { DOC_FIELDS } from '../retrieval/filter';

/** Fields a terms aggregation may group by (read as the retrieval filter reads them). */
const AGG_FIELDS = ['category', 'subcategory', 'categories', 'tags', 'lang', 'type', 'source.id', 'source.name', 'source.type'];
const MAX_AGGS = 20;
const MAX_BUCKETS = 1000;
const MAX_TOP_HITS = 10;

class BadAggs extends Error {}

/** A hit's _source: the indexed record without the engine's bookkeeping. */
export function sourceOf(d: RetrievedDoc): Record<string, unknown> {
  const { score: _score, disabled: _disabled, ...rest } = d;
  return rest;
}

const wire = (d: RetrievedDoc): SearchHitWire => ({ id: d.id, score: d.score, source: sourceOf(d) });

interface AggSpec {
  name: string;
  field: string;
  size: number;
  topHits: Array<{ name: string; size: number }>;
}

function parseAggs(aggs: Record<string, unknown>): AggSpec[] {
  if (Object.keys(aggs).length > MAX_AGGS) throw new BadAggs(`aggs: at most ${MAX_AGGS} aggregations`);
  return Object.entries(aggs).map(([name, spec]) => {
    const terms = isObject(spec) ? spec.terms : undefined;
    if (!isObject(terms) || typeof terms.field !== 'string') throw new BadAggs(`aggs.${name}: only {"terms": {"field": "<name>", "size": N}} aggregations are supported`);
    const field = terms.field.replace(/\.keyword$/, '');
    if (!AGG_FIELDS.includes(field)) throw new BadAggs(`aggs.${name}.terms.field: "${terms.field}" cannot be aggregated (one of ${AGG_FIELDS.join(', ')})`);
    const size = terms.size === undefined ? 10 : Number(terms.size);
    if (!Number.isInteger(size) || size < 0 || size > MAX_BUCKETS) throw new BadAggs(`aggs.${name}.terms.size: expected an integer from 0 to ${MAX_BUCKETS}`);
    const subs = isObject(spec) ? (spec.aggs ?? spec.aggregations) : undefined;
    const topHits: AggSpec['topHits'] = [];
    if (subs !== undefined) {
      if (!isObject(subs)) throw new BadAggs(`aggs.${name}.aggs: expected an object`);
      for (const [sub, s] of Object.entries(subs)) {
        const th = isObject(s) ? s.top_hits : undefined;
        if (!isObject(th)) throw new BadAggs(`aggs.${name}.aggs.${sub}: only top_hits is supported inside a terms aggregation`);
        const n = th.size === undefined ? 3 : Number(th.size);
        if (!Number.isInteger(n) || n < 0 || n > MAX_TOP_HITS) throw new BadAggs(`aggs.${name}.aggs.${sub}.top_hits.size: expected an integer from 0 to ${MAX_TOP_HITS}`);
        topHits.push({ name: sub, size: n });
      }
    }
    return { name, field, size, topHits };
  });
}

const esHit = (m: Match) => ({ _index: 'coco_document', _type: '_doc', _id: m.doc.id, _score: m.score, _source: sourceOf({ ...m.doc, score: m.score }) });

/**
 * Terms buckets over every match: counted in one pass; then, for the buckets shown only, their best
 * matches (the engine's ranking within the bucket) kept on a bounded heap, not the whole list sorted.
 */
function aggregate(specs: AggSpec[], matches: Match[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const get = DOC_FIELDS[spec.field]!;
    /** A document's keys in this field (each once). */
    const keysOf = (d: IndexedDoc): unknown[] => {
      const v = get(d);
      return Array.isArray(v) ? [...new Set(v)] : [v];
    };
    const counts = new Map<string, number>();
    for (const m of matches) {
      for (const key of keysOf(m.doc)) {
        if (key === undefined || key === null || key === '') continue;
        const k = String(key);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const top = sorted.slice(0, spec.size);
    // At least the best one: it is the bucket's max_score.
    const keep = Math.max(1, ...spec.topHits.map((t) => t.size));
    const best = new Map<string, TopK<Match>>();
    if (spec.topHits.length > 0) {
      for (const [k] of top) best.set(k, new TopK<Match>(keep, byRank));
      for (const m of matches) {
        for (const key of keysOf(m.doc)) {
          if (key === undefined || key === null || key === '') continue;
          const heap = best.get(String(key));
          if (heap && (!heap.full || m.key >= heap.worst!.key)) heap.push(m); // keep ≥ 1: worst is there when full
        }
      }
    }
    out[spec.name] = {
      doc_count_error_upper_bound: 0,
      sum_other_doc_count: sorted.slice(spec.size).reduce((n, [, c]) => n + c, 0),
      buckets: top.map(([key, count]) => {
        const ranked = best.get(key)?.sorted() ?? [];
        return {
          key,
          doc_count: count,
          ...Object.fromEntries(
            spec.topHits.map((t) => [t.name, { hits: { total: { value: count, relation: 'eq' }, max_score: ranked[0]?.score ?? null, hits: ranked.slice(0, t.size).map(esHit) } }]),
          ),
        };
      }),
    };
  }
  return out;
}

export function createUnifiedSearch(engine: RetrievalEngine) {
  return async (ask: SearchAsk): Promise<SearchAnswer> => {
    try {
      const specs = ask.aggs ? parseAggs(ask.aggs) : [];
      const ranked = await engine.rank({
        datasourceIds: ask.datasourceIds,
        queries: ask.text ? [ask.text] : [],
        filters: ask.filters,
        from: ask.from,
        size: ask.size,
        matchAll: true,
        all: specs.length > 0,
      });
      return { total: ranked.total, hits: ranked.hits.map(wire), ...(specs.length > 0 && { aggregations: aggregate(specs, ranked.matches ?? []) }) };
    } catch (err) {
      if (err instanceof RetrievalError || err instanceof BadAggs) return { total: 0, hits: [], error: { status: 400, reason: err.message } };
      throw err;
    }
  };
}

/** Starts answering unified-search requests on this worker. */
export function serveUnifiedSearch(deps: { redis: Redis; retrieval: RetrievalEngine; logger: Logger }, prefix: string): Promise<SearchServer> {
  return serveSearchRequests(deps.redis, prefix, createUnifiedSearch(deps.retrieval), {
    onError: (err) => deps.logger.warn({ err: err.message }, 'unified search failed'),
  });
}
