// What a searchable collection looks like to the search DSLs: how ES field names map to stored paths.

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
  /** Stored paths that are never searchable (secrets, serialized JSON). */
  hidden?: string[];
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
