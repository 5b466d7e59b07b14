// Translates the Elasticsearch query DSL subset Coco clients send into a MongoDB filter that both
// real MongoDB and FerretDB 1.24 accept ($and/$or/$nor, $in, $regex, comparison operators, $exists).
import { isObject } from '../shared/objects';
import { SearchQueryError } from './errors';
import { checkField, SearchFields } from './fields';

export type Filter = Record<string, unknown>;
type Json = unknown;

const MATCH_NONE: Filter = { _id: { $in: [] } };

/**
 * What runs the store's `$regex`: `re2` (FerretDB: Go's regexp, linear time) or `backtracking` (MongoDB's
 * PCRE, where `.*` runs can take exponential time). Set once per process from the store it connects to.
 */
export type RegexDialect = 're2' | 'backtracking';
let regexDialect: RegexDialect = 're2';

export function useRegexDialect(dialect: RegexDialect): void {
  regexDialect = dialect;
}

/**
 * An ES wildcard (`*` any run, `?` one character) as an anchored regex that matches in linear time on the
 * given engine. RE2 is linear whatever the pattern. For a backtracking engine each `*` takes the earliest
 * place where the next fixed-length piece fits, and commits to it: `(?=(.*?piece))\N` is an atomic group
 * (the engine never comes back into a lookahead), which is what glob matching needs; only the last piece
 * is placed at the end.
 */
export function wildcardRegex(pattern: string, dialect: RegexDialect): string {
  const piece = (p: string) => [...p].map((c) => (c === '?' ? '.' : escapeRegex(c))).join('');
  const pieces = pattern.replace(/\*+/g, '*').split('*').map(piece);
  if (pieces.length === 1) return `^${pieces[0]}$`;
  if (dialect === 're2') return `^${pieces.join('.*')}$`;
  const [first, ...rest] = pieces;
  const last = rest.pop() as string;
  const middle = rest.map((p, i) => `(?=(.*?${p}))\\${i + 1}`).join('');
  return `^${first}${middle}.*${last}$`;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Words of a full-text query; each must appear (case-insensitively) in a matching field. */
export function tokenize(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** Bounds of one search: what a legitimate query never comes near, and what keeps a hostile one cheap. */
export const QUERY_LIMITS = { clauses: 1024, depth: 32, words: 1024, values: 1024, textLength: 10_000 } as const;

class Compiler {
  private clauses = 0;
  private words_ = 0;

  constructor(private readonly fields: SearchFields) {}

  private fail(path: string, message: string): never {
    throw new SearchQueryError(`${path}: ${message}`);
  }

  private field(path: string, name: string): string {
    return checkField(this.fields, name, path);
  }

  /** Counts a clause and checks its nesting (the path's depth): both bounded. */
  private enter(path: string): void {
    if (++this.clauses > QUERY_LIMITS.clauses) this.fail(path, `a query may have at most ${QUERY_LIMITS.clauses} clauses`);
    if (path.split('.').length > QUERY_LIMITS.depth) this.fail(path, `queries may nest at most ${QUERY_LIMITS.depth} levels`);
  }

  private values(path: string, values: unknown[]): void {
    if (values.length > QUERY_LIMITS.values) this.fail(path, `at most ${QUERY_LIMITS.values} values`);
  }

  /** `{field: value}` or `{field: {<key>: value, ...}}`: exactly one field. */
  private single(path: string, body: Json): [string, Json] {
    if (!isObject(body)) this.fail(path, 'expected an object of the form {"<field>": ...}');
    const entries = Object.entries(body).filter(([k]) => k !== 'boost' && k !== '_name');
    if (entries.length !== 1) this.fail(path, 'expected exactly one field');
    return entries[0] as [string, Json];
  }

  private value(field: string, v: Json, path: string): Json {
    if (v !== null && typeof v === 'object') this.fail(path, 'expected a scalar value');
    if (this.fields.dates?.includes(field) && (typeof v === 'string' || typeof v === 'number')) {
      const d = new Date(v);
      if (Number.isNaN(d.getTime())) this.fail(path, `"${String(v)}" is not a date`);
      return d;
    }
    return v;
  }

  private textFields(field: string): string[] {
    return field === 'combined_fulltext' ? this.fields.fulltext : [field];
  }

  /** Word match: every (operator and) or any (default or) token appears in one of the fields. */
  private words(fields: string[], text: Json, operator: Json, path: string): Filter {
    if (typeof text !== 'string' && typeof text !== 'number' && typeof text !== 'boolean') {
      this.fail(path, 'expected a text query');
    }
    if (String(text).length > QUERY_LIMITS.textLength) this.fail(path, `a text query may have at most ${QUERY_LIMITS.textLength} characters`);
    const tokens = tokenize(String(text));
    this.words_ += tokens.length;
    if (this.words_ > QUERY_LIMITS.words) this.fail(path, `a query may have at most ${QUERY_LIMITS.words} words`);
    if (tokens.length === 0) return MATCH_NONE;
    const perToken = tokens.map((t) => anyField(fields, { $regex: escapeRegex(t), $options: 'i' }));
    if (perToken.length === 1) return perToken[0] as Filter;
    return String(operator).toLowerCase() === 'and' ? { $and: perToken } : { $or: perToken };
  }

  compile(clause: Json, path = 'query'): Filter {
    if (!isObject(clause)) this.fail(path, 'expected a query object');
    const keys = Object.keys(clause);
    if (keys.length !== 1) this.fail(path, `expected exactly one query type, got ${keys.length === 0 ? 'none' : keys.slice(0, 5).join(', ')}`);
    this.enter(path);
    const type = keys[0] as string;
    const body = clause[type];
    const at = `${path}.${type}`;
    switch (type) {
      case 'match_all':
        return {};
      case 'match_none':
        return MATCH_NONE;
      case 'term': {
        const [name, spec] = this.single(at, body);
        const field = this.field(at, name);
        const raw = isObject(spec) ? spec.value : spec;
        if (field === 'combined_fulltext') return this.words(this.fields.fulltext, raw, 'and', at);
        return { [field]: this.value(field, raw, `${at}.${name}`) };
      }
      case 'terms': {
        const [name, values] = this.single(at, body);
        const field = this.field(at, name);
        if (!Array.isArray(values)) this.fail(`${at}.${name}`, 'expected an array of values');
        this.values(`${at}.${name}`, values);
        return { [field]: { $in: values.map((v, i) => this.value(field, v, `${at}.${name}[${i}]`)) } };
      }
      case 'ids': {
        if (!isObject(body) || !Array.isArray(body.values)) this.fail(at, 'expected {"values": [...]}');
        this.values(at, body.values);
        return { _id: { $in: body.values.map(String) } };
      }
      case 'match':
      case 'match_phrase':
      case 'match_phrase_prefix':
      case 'match_bool_prefix': {
        const [name, spec] = this.single(at, body);
        const field = this.field(at, name);
        const text = isObject(spec) ? spec.query : spec;
        if (type === 'match' || type === 'match_bool_prefix') {
          return this.words(this.textFields(field), text, isObject(spec) ? spec.operator : 'or', `${at}.${name}`);
        }
        if (typeof text !== 'string') this.fail(`${at}.${name}`, 'expected a text query');
        const phrase = tokenize(text).map(escapeRegex).join('\\W+');
        if (!phrase) return MATCH_NONE;
        return anyField(this.textFields(field), { $regex: phrase, $options: 'i' });
      }
      case 'multi_match':
      case 'query_string':
      case 'simple_query_string': {
        if (!isObject(body)) this.fail(at, 'expected an object with "query"');
        const names = Array.isArray(body.fields) && body.fields.length > 0 ? body.fields : this.fields.defaultFields;
        this.values(`${at}.fields`, names);
        const fields = names.flatMap((n) => this.textFields(this.field(at, String(n).replace(/\^[\d.]+$/, ''))));
        return this.words([...new Set(fields)], body.query, body.operator ?? body.default_operator ?? 'or', at);
      }
      case 'prefix': {
        const [name, spec] = this.single(at, body);
        const field = this.field(at, name);
        const raw = isObject(spec) ? spec.value : spec;
        if (typeof raw !== 'string') this.fail(`${at}.${name}`, 'expected a string prefix');
        const insensitive = isObject(spec) && spec.case_insensitive === true;
        return anyField(this.textFields(field), { $regex: `^${escapeRegex(raw)}`, ...(insensitive ? { $options: 'i' } : {}) });
      }
      case 'wildcard': {
        const [name, spec] = this.single(at, body);
        const field = this.field(at, name);
        const raw = isObject(spec) ? (spec.value ?? spec.wildcard) : spec;
        if (typeof raw !== 'string') this.fail(`${at}.${name}`, 'expected a string pattern');
        return { [field]: { $regex: wildcardRegex(raw, regexDialect) } };
      }
      case 'exists': {
        if (!isObject(body) || typeof body.field !== 'string') this.fail(at, 'expected {"field": "<name>"}');
        const field = this.field(at, body.field);
        return { [field]: { $exists: true, $ne: null } };
      }
      case 'range': {
        const [name, spec] = this.single(at, body);
        const field = this.field(at, name);
        if (!isObject(spec)) this.fail(`${at}.${name}`, 'expected {"gte"|"gt"|"lte"|"lt": value}');
        const ops: Record<string, string> = { gte: '$gte', gt: '$gt', lte: '$lte', lt: '$lt' };
        const cond: Record<string, Json> = {};
        for (const [k, v] of Object.entries(spec)) {
          if (k === 'format' || k === 'time_zone' || k === 'boost') continue;
          const op = Object.hasOwn(ops, k) ? ops[k] : undefined;
          if (!op) this.fail(`${at}.${name}`, `unsupported range operator "${k}"`);
          if (v !== null) cond[op] = this.value(field, v, `${at}.${name}.${k}`);
        }
        if (Object.keys(cond).length === 0) this.fail(`${at}.${name}`, 'expected at least one bound');
        return { [field]: cond };
      }
      case 'bool':
        return this.bool(body, at);
      case 'constant_score': {
        if (!isObject(body) || body.filter === undefined) this.fail(at, 'expected {"filter": ...}');
        return this.compile(body.filter, `${at}.filter`);
      }
      default:
        this.fail(path, `unsupported query type "${type}"`);
    }
  }

  private list(v: Json, path: string): Filter[] {
    if (v === undefined) return [];
    const items = Array.isArray(v) ? v : [v];
    if (items.length > QUERY_LIMITS.clauses) this.fail(path, `at most ${QUERY_LIMITS.clauses} clauses`);
    return items.map((c, i) => this.compile(c, Array.isArray(v) ? `${path}[${i}]` : path));
  }

  private bool(body: Json, at: string): Filter {
    if (!isObject(body)) this.fail(at, 'expected an object');
    for (const key of Object.keys(body)) {
      if (!['must', 'filter', 'should', 'must_not', 'minimum_should_match', 'boost', '_name'].includes(key)) {
        this.fail(at, `unsupported bool key "${key}"`);
      }
    }
    const and = [...this.list(body.must, `${at}.must`), ...this.list(body.filter, `${at}.filter`)];
    const should = this.list(body.should, `${at}.should`);
    const not = this.list(body.must_not, `${at}.must_not`);
    // ES: should clauses are required (at least one) only when there is no must/filter, unless
    // minimum_should_match says otherwise. Scoring is not modelled, so optional shoulds are dropped.
    const msm = body.minimum_should_match;
    const minShould = msm === undefined ? (and.length === 0 ? 1 : 0) : Number(msm);
    if (should.length > 0 && minShould >= 1) and.push(should.length === 1 ? (should[0] as Filter) : { $or: should });
    if (not.length > 0) and.push({ $nor: not });
    if (and.length === 0) return {};
    return and.length === 1 ? (and[0] as Filter) : { $and: and };
  }
}

function anyField(fields: string[], cond: Json): Filter {
  if (fields.length === 1) return { [fields[0] as string]: cond };
  return { $or: fields.map((f) => ({ [f]: cond })) };
}

export function compileQuery(clause: Json, fields: SearchFields, path = 'query'): Filter {
  return new Compiler(fields).compile(clause, path);
}
