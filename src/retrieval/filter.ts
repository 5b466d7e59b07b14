// Document filters (Mongo filters compiled from ES clauses by src/search/es-query.ts) as predicates on
// indexed documents. The shapes that matter for speed (term/terms/ids, match regexes, bool of those) on
// the plain fields run as direct JS checks; anything else (dates, ranges, $exists, owner.*,
// rich_categories.*, unknown fields) is handed to mingo, so the Mongo semantics stay mingo's.
import { Query } from 'mingo';
import { isObject } from '../shared/objects';
import type { IndexedDoc } from './types';
import { RE2JS } from 're2js';

export type DocPredicate = (doc: IndexedDoc) => boolean;

type Scalar = string | number | boolean;
type Getter = (doc: IndexedDoc) => unknown;

/**
 * How to read an indexed document's fields by their Mongo names: plain values, or arrays of plain values
 * (any element matches, as in Mongo). Filters check these directly; unified search groups by some of them.
 */
export const DOC_FIELDS: Record<string, Getter> = {
  _id: (d) => d.id,
  title: (d) => d.title,
  summary: (d) => d.summary,
  url: (d) => d.url,
  icon: (d) => d.icon,
  type: (d) => d.type,
  category: (d) => d.category,
  subcategory: (d) => d.subcategory,
  categories: (d) => d.categories,
  tags: (d) => d.tags,
  lang: (d) => d.lang,
  disabled: (d) => d.disabled,
  'source.id': (d) => d.source.id,
  'source.type': (d) => d.source.type,
  'source.name': (d) => d.source.name,
  'source.icon': (d) => d.source.icon,
};

/** An operator object such as {$in: [...]} (a Date is a value, not one). */
const isCondition = (v: unknown): v is Record<string, unknown> => isObject(v) && !(v instanceof Date);
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** What mingo sees: the indexed document under its Mongo field names. */
const asStored = (doc: IndexedDoc) => ({ ...doc, _id: doc.id });

function viaMingo(filter: Record<string, unknown>): DocPredicate {
  const query = new Query(filter);
  return (doc) => query.test(asStored(doc));
}

function anyValue(get: Getter, test: (v: unknown) => boolean): DocPredicate {
  return (doc) => {
    const v = get(doc);
    return Array.isArray(v) ? v.some(test) : test(v);
  };
}

/** `{field: condition}`, or null when the condition is not one of the direct shapes. */
function fieldPredicate(field: string, cond: unknown): DocPredicate | null {
  const get = Object.hasOwn(DOC_FIELDS, field) ? DOC_FIELDS[field] : undefined;
  if (!get) return null;
  if (isScalar(cond)) return anyValue(get, (v) => v === cond);
  if (!isCondition(cond)) return null;
  const keys = Object.keys(cond);
  if (keys.length === 1 && keys[0] === '$in' && Array.isArray(cond.$in) && cond.$in.every(isScalar)) {
    const values = new Set<unknown>(cond.$in);
    return anyValue(get, (v) => values.has(v));
  }
  const regexOnly = keys.every((k) => k === '$regex' || k === '$options');
  if (regexOnly && typeof cond.$regex === 'string' && (cond.$options === undefined || cond.$options === 'i')) {
    const test = regexTest(cond.$regex, cond.$options === 'i');
    if (!test) return null; // let mingo report it the way it always did
    return anyValue(get, (v) => typeof v === 'string' && test(v));
  }
  return null;
}

/**
 * A regex test that takes linear time: a wildcard compiles to runs of `.*`, which V8's backtracking
 * engine can take exponential time on (ten `*a` segments on a 40-character title: seconds), so patterns
 * with a repeated `.` run on RE2 (re2js); plain literals and prefixes, the common case, stay native.
 */
function regexTest(pattern: string, insensitive: boolean): ((v: string) => boolean) | null {
  try {
    // Any `.*` or `.+` (an escaped `\.` followed by one too: RE2 is as right there, and a backslash count is
    // one more thing to get wrong).
    if (pattern.includes('.*') || pattern.includes('.+')) {
      const re2 = RE2JS.compile(pattern, insensitive ? RE2JS.CASE_INSENSITIVE : 0);
      return (v) => re2.matcher(v).find();
    }
    const re = new RegExp(pattern, insensitive ? 'i' : '');
    return (v) => re.test(v);
  } catch {
    return null;
  }
}

/** A predicate equivalent to `new Query(filter).test(doc)`. */
export function compileDocFilter(filter: Record<string, unknown>): DocPredicate {
  const parts: DocPredicate[] = [];
  const rest: Record<string, unknown> = {};
  for (const [key, cond] of Object.entries(filter)) {
    let p: DocPredicate | null = null;
    if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(cond) && cond.length > 0 && cond.every(isCondition)) {
      const subs = cond.map((c) => compileDocFilter(c as Record<string, unknown>));
      p = key === '$and' ? (d) => subs.every((s) => s(d)) : key === '$or' ? (d) => subs.some((s) => s(d)) : (d) => !subs.some((s) => s(d));
    } else if (!key.startsWith('$')) {
      p = fieldPredicate(key, cond);
    }
    if (p) parts.push(p);
    else rest[key] = cond;
  }
  // Direct checks first: they are cheap and usually decide.
  if (Object.keys(rest).length > 0) parts.push(viaMingo(rest));
  if (parts.length === 0) return () => true;
  if (parts.length === 1) return parts[0]!;
  return (doc) => parts.every((p) => p(doc));
}
