// What a searchable collection looks like to the search DSLs: how ES field names map to stored paths, and
// which of them a caller may name at all (queries, sorts and aggregations alike go through checkField).
import type { Schema } from 'mongoose';
import { SearchQueryError } from './errors';

/** The stored paths a collection's schema declares (knownPaths): only these can be searched. */
export interface KnownPaths {
  /** Declared leaf paths and their parents (`cors`, `cors.enabled`). */
  exact: ReadonlySet<string>;
  /** Free-form (Mixed) paths: any well-formed path under them is allowed. */
  free: readonly string[];
}

export interface SearchFields {
  /** ES index name echoed in hits (`_index`). */
  index: string;
  /** Fields a bare `query=` text searches (the endpoint's default fields). */
  defaultFields: string[];
  /** What the virtual `combined_fulltext` field covers. */
  fulltext: string[];
  /** Stored as dates: term/range values are converted. */
  dates?: string[];
  /** Fields that hold arrays (aggregations unwind them). */
  arrays?: string[];
  /** Stored paths that are never searchable (secrets, serialized JSON), nor are their parents. */
  hidden?: string[];
  /** The schema's paths; without it any well-formed, non-hidden name is allowed. */
  known?: KnownPaths;
}

/** Maps an ES field name to the stored path: `id` → `_id`, `name.keyword` → `name`. */
export function storedPath(field: string): string {
  let f = field.trim();
  for (const suffix of ['.keyword', '.pinyin']) if (f.endsWith(suffix)) f = f.slice(0, -suffix.length);
  return f === 'id' ? '_id' : f;
}

/** Hidden paths cover everything under them: `config` hides `config.env.value` too. */
export function isHidden(fields: SearchFields, stored: string): boolean {
  return fields.hidden?.some((h) => stored === h || stored.startsWith(`${h}.`)) ?? false;
}

/** Field names as ES has them: words joined by dots. No `$`, no empty segment, nothing else. */
const FIELD_NAME = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;
const ALWAYS = new Set(['_id', 'created', 'updated', 'combined_fulltext']);
const MAX_NAME = 200;
const OBJECT_PROPERTIES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The stored path of a field a caller names, if they may name it: well formed, declared by the schema (or
 * under a free-form path), not hidden and not the parent of anything hidden (an aggregation on a parent
 * would return what is hidden under it). Anything else is a 400 naming the field.
 */
export function checkField(fields: SearchFields, name: unknown, where: string, use = 'searchable'): string {
  if (typeof name !== 'string' || name.trim() === '') throw new SearchQueryError(`${where}: a field name is required`);
  const shown = name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name;
  const stored = storedPath(name);
  if (name.length > MAX_NAME || !FIELD_NAME.test(stored)) throw new SearchQueryError(`${where}: "${shown}" is not a field name (letters, digits and _ joined by dots)`);
  // Names that are JavaScript's own properties: free-form documents would otherwise let them through to
  // the filters that run on plain objects (the retrieval engine), where they mean something else.
  if (stored.split('.').some((part) => OBJECT_PROPERTIES.has(part))) throw new SearchQueryError(`${where}: "${shown}" is not a field name`);
  const parentOfHidden = fields.hidden?.some((h) => h.startsWith(`${stored}.`)) ?? false;
  const known = ALWAYS.has(stored) || !fields.known || fields.known.exact.has(stored) || fields.known.free.some((f) => stored.startsWith(`${f}.`));
  if (isHidden(fields, stored) || parentOfHidden || !known) throw new SearchQueryError(`${where}: field "${shown}" is not ${use}`);
  return stored;
}

/** The paths a mongoose schema declares, with the parents of nested ones and its free-form paths. */
export function knownPaths(schema: Schema): KnownPaths {
  const exact = new Set<string>();
  const free: string[] = [];
  const walk = (s: Schema, prefix: string) => {
    s.eachPath((path, type) => {
      const full = prefix + path;
      const parts = full.split('.');
      for (let i = 1; i <= parts.length; i++) exact.add(parts.slice(0, i).join('.'));
      const t = type as unknown as { instance?: string; schema?: Schema; caster?: { instance?: string } };
      if (t.instance === 'Mixed' || (t.instance === 'Array' && t.caster?.instance === 'Mixed')) free.push(full);
      if (t.schema) walk(t.schema, `${full}.`);
    });
  };
  walk(schema, '');
  return { exact, free };
}
