import { z } from 'zod';
import { BadRequestError } from '../../errors';
import type { SourceRef, TurnParams } from '../../../shared/chat';

export const MAX_MESSAGE_CHARS = 100_000;

export const SendBody = z.object({
  message: z.string().max(MAX_MESSAGE_CHARS, `message must be at most ${MAX_MESSAGE_CHARS} characters`).default(''),
  attachments: z.array(z.string().min(1).max(64)).max(50).default([]),
});
export type SendBody = z.infer<typeof SendBody>;

export const SessionUpdate = z.object({
  title: z.string().max(500).optional(),
  context: z.object({ attachments: z.array(z.string().min(1).max(64)).max(50).default([]) }).optional(),
});
export type SessionUpdate = z.infer<typeof SessionUpdate>;

type Query = Record<string, string | string[] | undefined>;

/** `from`/`size` of the Sessions page (GET /chat/_sessions): whole numbers, size 1–100, within the paging window. */
export function overviewPage(q: Query, maxSize: number, maxWindow: number): { from: number; size: number } {
  const num = (name: string, fallback: number, min: number, max: number) => {
    const v = one(q, name);
    if (v === undefined || v === '') return fallback;
    if (!/^\d{1,6}$/.test(v) || Number(v) < min || Number(v) > max) throw new BadRequestError(`${name}: expected a whole number from ${min} to ${max}, got "${v.slice(0, 40)}"`);
    return Number(v);
  };
  const size = num('size', 20, 1, maxSize);
  const from = num('from', 0, 0, maxWindow - size);
  return { from, size };
}

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function flag(q: Query, name: string): boolean | null {
  const v = one(q, name);
  if (v === undefined || v === '') return null;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new BadRequestError(`${name}: expected true or false, got "${v}"`);
}

function ids(q: Query, name: string): string[] | null {
  const v = one(q, name);
  if (v === undefined || v.trim() === '') return null;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Document filters a request may add (coco-api.md §3.2), as ES clauses on document fields. */
function documentFilters(q: Query): unknown[] {
  const out: unknown[] = [];
  const terms: Array<[string, string]> = [
    ['category', 'category'],
    ['subcategory', 'subcategory'],
    ['rich_category', 'rich_categories.key'],
    ['username', 'owner.username'],
    ['userid', 'owner.userid'],
  ];
  for (const [param, field] of terms) {
    const v = one(q, param)?.trim();
    if (v) out.push({ term: { [field]: v } });
  }
  const tags = ids(q, 'tags');
  if (tags) out.push({ terms: { tags } });
  return out;
}

/** The RAG context of a chat request (coco-api.md §3.2). */
export function turnParams(q: Query): { assistantId: string; params: TurnParams } {
  return {
    assistantId: one(q, 'assistant_id')?.trim() || 'default',
    params: {
      search: flag(q, 'search') ?? false,
      deepThinking: flag(q, 'deep_thinking'),
      mcp: flag(q, 'mcp') ?? false,
      datasource: ids(q, 'datasource'),
      mcpServers: ids(q, 'mcp_servers'),
      filters: documentFilters(q),
    },
  };
}

/**
 * AI overview (`_ask`): the message may be a JSON string {"query": "...", "result": {...search hits...}}.
 * Then only the query is saved as the user's text, the whole payload goes to the model, and the hits
 * become the reply's sources.
 */
export function overviewPayload(message: string): { query: string; sources: SourceRef[] } | undefined {
  if (!message.trimStart().startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  const o = parsed as { query?: unknown; result?: unknown };
  if (typeof o?.query !== 'string' || !o.query.trim()) return undefined;
  const hits = hitsOf(o.result);
  return { query: o.query.trim(), sources: hits.slice(0, 50) };
}

function hitsOf(result: unknown): SourceRef[] {
  const r = result as { hits?: { hits?: unknown[] } | unknown[]; documents?: unknown[] } | unknown[] | undefined;
  const list = Array.isArray(r) ? r : Array.isArray(r?.hits) ? r.hits : Array.isArray((r?.hits as { hits?: unknown[] })?.hits) ? (r!.hits as { hits: unknown[] }).hits : Array.isArray(r?.documents) ? r.documents : [];
  return list.flatMap((h) => {
    const src = ((h as { _source?: unknown })?._source ?? h) as Record<string, unknown>;
    const id = String(src?.id ?? (h as { _id?: unknown })?._id ?? '');
    if (!id) return [];
    return [{
      id,
      title: String(src.title ?? ''),
      url: typeof src.url === 'string' ? src.url : '',
      icon: typeof src.icon === 'string' ? src.icon : '',
      category: typeof src.category === 'string' ? src.category : '',
      summary: typeof src.summary === 'string' ? src.summary.slice(0, 500) : '',
      source: (src.source as SourceRef['source']) ?? {},
    }];
  });
}
