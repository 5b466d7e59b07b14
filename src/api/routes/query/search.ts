// GET|POST /query/_search, Coco's unified search (coco-api.md §7.2): documents of the enabled datasources
// the caller may search, ranked by the workers' BM25 engine (the API holds no index: it asks one worker
// over Redis, bus/search-requests), with the caller's matching assistants added as Coco adds them.
import { allows } from '../../../domain/access';
import type { Assistants } from '../../../domain/assistants/assistants';
import { ASSISTANT_SEARCH_FIELDS } from '../../../domain/assistants/records';
import type { Datasources } from '../../../domain/datasources/datasources';
import { DOCUMENT_SEARCH_FIELDS } from '../../../domain/documents/records';
import type { User } from '../../../domain/users';
import { NoSearchWorker, SearchClient, SearchRequestTooLarge, type SearchAnswer } from '../../../bus/search-requests';
import { toSearchRequest } from '../../../search/execute';
import { MAX_FROM, queryStringToEs, type QueryParams } from '../../../search/query-string';
import { isObject } from '../../../shared/objects';
import type { AppContext } from '../../context';
import { BadRequestError, ServiceUnavailableError } from '../../errors';

const INDEX = 'coco_document';
const ASSISTANT_URL = 'coco://extenstions/infinilabs/ask_assistant/';

function all(v: string | string[] | undefined): string[] {
  return (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean);
}

const list = (v: string | string[] | undefined) => all(v).flatMap((s) => s.split(',').map((x) => x.trim())).filter(Boolean);

/** The enabled datasources the caller may search among those asked for (none asked: all it may). */
async function datasourcesFor(datasources: Datasources, user: User, asked: string[]): Promise<string[]> {
  const enabled = (await datasources.enabled(asked.length ? asked : ['*'])).map((d) => d.id);
  const only = user.integration?.datasources;
  if (!only || only.includes('*')) return enabled;
  return enabled.filter((id) => only.includes(id));
}

/** The caller's enabled assistants matching the query, as Coco adds them to search results. */
async function assistantHits(assistants: Assistants, user: User, text: string, count: number, score: number) {
  if (count <= 0) return [];
  const only = user.integration?.assistants;
  const scope = { bool: { must_not: [{ term: { enabled: false } }], ...(only && { filter: [{ terms: { _id: only } }] }) } };
  const match = queryStringToEs({ query: text }, ASSISTANT_SEARCH_FIELDS.defaultFields).query;
  const found = await assistants.store.search({ clauses: [scope, ...(match ? [match] : [])], from: 0, size: count, defaultSort: { created: 1 } });
  return found.hits.hits.map((h) => {
    const a = h._source as { name?: string; description?: string; icon?: string; category?: string; updated?: unknown; created?: unknown };
    return {
      _index: INDEX,
      _type: '_doc' as const,
      _id: h._id,
      _score: score,
      _source: {
        id: h._id,
        title: a.name ?? '',
        summary: a.description ?? '',
        icon: a.icon ?? '',
        category: a.category ?? '',
        type: 'AI Assistant',
        url: `${ASSISTANT_URL}${h._id}`,
        source: { id: 'assistant', name: 'Assistant', icon: 'font_robot' },
        created: a.created,
        updated: a.updated,
      },
    };
  });
}

const emptyAggs = (aggs: unknown) =>
  isObject(aggs) ? Object.fromEntries(Object.keys(aggs).map((n) => [n, { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [] }])) : undefined;

export function unifiedSearch(deps: { client: SearchClient; datasources: Datasources; assistants: Assistants }) {
  return async (ctx: AppContext) => {
    const started = Date.now();
    const user = ctx.state.user as User;
    const q = ctx.query as QueryParams;
    const text = (Array.isArray(q.query) ? q.query.at(-1) : q.query)?.trim() ?? '';
    // filter=, from=, size= as the query-string DSL reads them; a POST body may add from, size, query, aggs.
    const es = queryStringToEs({ filter: q.filter, from: q.from, size: q.size }, DOCUMENT_SEARCH_FIELDS.defaultFields);
    const req = toSearchRequest(es, ctx.method === 'POST' ? ctx.request.body : undefined);
    const filters = [...req.clauses];
    const categories = all(q.category);
    if (categories.length) filters.push({ terms: { category: categories } });
    const rich = all(q.rich_category);
    if (rich.length) filters.push({ terms: { 'rich_categories.key': rich } });
    if (req.from + req.size > MAX_FROM) throw new BadRequestError(`from + size must be at most ${MAX_FROM}`);
    if (req.aggs !== undefined && !isObject(req.aggs)) throw new BadRequestError('aggs: expected an object of named aggregations');

    const datasourceIds = await datasourcesFor(deps.datasources, user, list(q.datasource));
    let answer: SearchAnswer = { total: 0, hits: [], aggregations: emptyAggs(req.aggs) };
    if (datasourceIds.length > 0) {
      try {
        answer = await deps.client.ask({ datasourceIds, text, filters, from: req.from, size: req.size, ...(req.aggs !== undefined && { aggs: req.aggs as Record<string, unknown> }) });
      } catch (err) {
        if (err instanceof NoSearchWorker) throw new ServiceUnavailableError(err.message);
        if (err instanceof SearchRequestTooLarge) throw new BadRequestError(err.message);
        throw err;
      }
      if (answer.error) {
        if (answer.error.status === 400) throw new BadRequestError(answer.error.reason);
        throw new Error(answer.error.reason);
      }
    }
    const hits = answer.hits.map((h) => ({ _index: INDEX, _type: '_doc' as const, _id: h.id, _score: h.score, _source: h.source }));
    const best = hits.reduce((m, h) => Math.max(m, h._score), 0);
    // Coco adds 2 matching assistants (or enough to fill the page when there are fewer than 5 hits),
    // scored above the best document, for callers who may chat.
    let assistants: typeof hits = [];
    if (text && req.from === 0 && allows(user.roles, 'chat')) {
      const count = hits.length < 5 ? Math.max(2, req.size - hits.length) : 2;
      assistants = await assistantHits(deps.assistants, user, text, Math.min(count, req.size), best + 500);
    }
    const out = [...assistants, ...hits];
    ctx.body = {
      took: Date.now() - started,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: { total: { value: answer.total + assistants.length, relation: 'eq' }, max_score: out.length ? out[0]!._score : null, hits: out },
      ...(answer.aggregations && { aggregations: answer.aggregations }),
    };
  };
}
