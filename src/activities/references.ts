// The <REFERENCES> block the answer prompt cites (coco-api.md §5.4 step 7), from documents read by id.
import type { Documents } from '../domain/documents/documents';
import { rfc3339 } from '../shared/time';

const SIMPLE_LIMIT = 8192;
const DEEP_LIMIT = 32768;

/** Simple mode cites summaries and the start of each document; deep mode the full picked documents. */
export async function referencesFor(documents: Documents, ids: string[], deep: boolean): Promise<string> {
  if (ids.length === 0) return '';
  const found = await documents.byIds(ids);
  const byId = new Map(found.map((d) => [d._id, d]));
  const limit = deep ? DEEP_LIMIT : SIMPLE_LIMIT;
  const perDoc = Math.floor(limit / ids.length);
  const blocks = ids.flatMap((id, n) => {
    const d = byId.get(id);
    if (!d) return [];
    const body = deep ? (d.content ?? '') : [d.summary, d.content].filter(Boolean).join('\n');
    const lines = [
      `<Doc>`,
      `ID: #${n + 1} ${d._id}`,
      `Title: ${d.title ?? ''}`,
      `Source: ${d.source?.name ?? ''}`,
      d.url ? `URL: ${d.url}` : '',
      d.updated ? `Updated: ${rfc3339(d.updated)}` : '',
      `Category: ${[d.category, ...(d.categories ?? [])].filter(Boolean).join(', ')}`,
      `Content: ${body.slice(0, Math.max(200, perDoc - 200))}`,
      `</Doc>`,
    ];
    return [lines.filter(Boolean).join('\n')];
  });
  return `<REFERENCES>\n${blocks.join('\n')}\n</REFERENCES>`.slice(0, limit + 64);
}
