// The wire shape every presented record shares: `id` and RFC3339 timestamps first, then its fields.
import type { Stored } from '../../domain/record';
import type { EsResponse } from '../../search/execute';
import { rfc3339 } from '../../shared/time';

export function present(doc: Stored, omit: string[] = []): Record<string, unknown> {
  const { _id, created, updated, ...rest } = doc;
  for (const k of omit) delete rest[k];
  return { id: _id, created: rfc(created), updated: rfc(updated), ...rest };
}

function rfc(d: Date | undefined): string | undefined {
  return d ? rfc3339(d) : undefined;
}

/** A search response with each hit's `_source` presented. */
export function presentHits<T, U>(res: EsResponse<T>, show: (doc: T) => U): EsResponse<U> {
  return { ...res, hits: { ...res.hits, hits: res.hits.hits.map((h) => ({ ...h, _source: show(h._source) })) } };
}
