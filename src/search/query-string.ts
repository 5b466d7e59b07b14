// Coco's query-string search DSL (query, fields, filter, sort, from, size), turned into an ES body.
import { SearchQueryError } from './errors';

export type QueryParams = Record<string, string | string[] | undefined>;

export interface EsBody {
  query?: Record<string, unknown>;
  from?: number;
  size?: number;
  sort?: unknown;
  aggs?: Record<string, unknown>;
}

function all(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((s) => s.trim() !== '');
}

function last(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Numbers and booleans are auto-typed; the raw string is also accepted so string fields still match. */
function typed(raw: string): unknown[] {
  if (raw === 'true') return [true, raw];
  if (raw === 'false') return [false, raw];
  if (/^-?\d+(\.\d+)?$/.test(raw)) return [Number(raw), raw];
  return [raw];
}

/** The most hits one search returns, and how deep it may page. */
export const MAX_SIZE = 1000;
export const MAX_FROM = 10_000;

export function intParam(q: QueryParams, name: string, fallback: number, max = MAX_FROM): number {
  const raw = last(q[name]);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new SearchQueryError(`${name}: expected a non-negative integer, got "${raw}"`);
  if (n > max) throw new SearchQueryError(`${name}: must be at most ${max}`);
  return n;
}

const FIELD = '[A-Za-z0-9._-]+';

/** One `filter=` expression: term, range, exists(), a leading `-` to negate, else full text. */
function parseFilter(expr: string, defaultFields: string[]): { negate: boolean; clause: Record<string, unknown>; term?: [string, unknown[]] } {
  let e = expr.trim();
  const negate = e.startsWith('-');
  if (negate) e = e.slice(1).trim();
  let m = e.match(new RegExp(`^exists\\((${FIELD})\\)$`));
  if (m) return { negate, clause: { exists: { field: m[1] } } };
  m = e.match(new RegExp(`^(${FIELD})(>=|<=|>|<)(.+)$`));
  if (m) {
    const op = { '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' }[m[2] as '>=' | '<=' | '>' | '<'];
    const v = typed((m[3] as string).trim())[0];
    return { negate, clause: { range: { [m[1] as string]: { [op]: v } } } };
  }
  m = e.match(new RegExp(`^(${FIELD})[:=](.*)$`));
  if (m) {
    const values = typed((m[2] as string).trim());
    return { negate, clause: { terms: { [m[1] as string]: values } }, term: [m[1] as string, values] };
  }
  return { negate, clause: { multi_match: { query: e, fields: defaultFields } } };
}

export function parseSort(spec: string): Array<Record<string, { order: 'asc' | 'desc' }>> {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [field, dir] = s.split(':');
      const order = (dir ?? (field === '_score' ? 'desc' : 'asc')).toLowerCase();
      if (order !== 'asc' && order !== 'desc') throw new SearchQueryError(`sort: "${s}" must end in :asc or :desc`);
      if (!field || !new RegExp(`^${FIELD}$`).test(field)) throw new SearchQueryError(`sort: "${s}" is not a field name`);
      return { [field]: { order } };
    });
}

/**
 * Builds the ES body for a query string. Repeated filters on one field are OR-ed (coco-app sends one
 * `filter=id:<x>` per id); different fields and other filter kinds are AND-ed.
 */
export function queryStringToEs(q: QueryParams, defaultFieldsIn: string[], defaultSize = 10): EsBody {
  const defaultFields = [...defaultFieldsIn, ...all(q.fields).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean)];
  const must: Record<string, unknown>[] = [];
  const text = last(q.query)?.trim();
  if (text) {
    const fieldQuery = text.match(new RegExp(`^(${FIELD}):(.+)$`));
    if (fieldQuery) {
      must.push({ match: { [fieldQuery[1] as string]: { query: (fieldQuery[2] as string).trim() } } });
    } else {
      must.push({ multi_match: { query: text, fields: defaultFields } });
    }
  }
  const termsByField = new Map<string, unknown[]>();
  const filter: Record<string, unknown>[] = [];
  const mustNot: Record<string, unknown>[] = [];
  for (const expr of all(q.filter)) {
    const f = parseFilter(expr, defaultFields);
    if (f.negate) mustNot.push(f.clause);
    else if (f.term) termsByField.set(f.term[0], [...(termsByField.get(f.term[0]) ?? []), ...f.term[1]]);
    else filter.push(f.clause);
  }
  for (const [field, values] of termsByField) filter.push({ terms: { [field]: values } });

  const body: EsBody = {
    from: intParam(q, 'from', 0),
    size: intParam(q, 'size', defaultSize, MAX_SIZE),
  };
  if (must.length || filter.length || mustNot.length) {
    body.query = { bool: { ...(must.length && { must }), ...(filter.length && { filter }), ...(mustNot.length && { must_not: mustNot }) } };
  }
  const sort = last(q.sort);
  if (sort) body.sort = parseSort(sort);
  return body;
}
