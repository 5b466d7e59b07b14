// Reading JSON out of model output: the last <JSON>…</JSON> block (or ```json fence), tolerating the
// usual slips (prose around it, trailing commas). Malformed output gives undefined, never a throw.
import type { PickedDoc, QueryIntent } from '../shared/chat';

function candidates(text: string): string[] {
  const out: string[] = [];
  const tagged = [...text.matchAll(/<JSON>([\s\S]*?)(?:<\/JSON>|$)/gi)].map((m) => m[1] as string);
  out.push(...tagged.reverse());
  const fenced = [...text.matchAll(/```(?:json)?\s*([\s\S]*?)```/gi)].map((m) => m[1] as string);
  out.push(...fenced.reverse());
  out.push(text);
  return out;
}

function tryParse(raw: string, open: '{' | '['): unknown {
  const close = open === '{' ? '}' : ']';
  const start = raw.indexOf(open);
  const end = raw.lastIndexOf(close);
  if (start < 0 || end <= start) return undefined;
  const body = raw.slice(start, end + 1);
  for (const attempt of [body, body.replace(/,\s*([}\]])/g, '$1')]) {
    try {
      return JSON.parse(attempt);
    } catch {
      // next attempt
    }
  }
  return undefined;
}

export function extractJson(text: string, open: '{' | '['): unknown {
  for (const c of candidates(text)) {
    const v = tryParse(c, open);
    if (v !== undefined) return v;
  }
  return undefined;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.flatMap((x) => (typeof x === 'string' ? [x] : typeof x === 'number' ? [String(x)] : [])) : typeof v === 'string' && v ? [v] : []);
const bool = (v: unknown, fallback: boolean) => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : fallback);

export function parseIntent(text: string): QueryIntent | undefined {
  const v = extractJson(text, '{');
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  return {
    category: typeof o.category === 'string' ? o.category : '',
    intent: typeof o.intent === 'string' ? o.intent : '',
    query: strings(o.query),
    keyword: strings(o.keyword),
    suggestion: strings(o.suggestion),
    need_plan_tasks: bool(o.need_plan_tasks, false),
    need_call_tools: bool(o.need_call_tools, true),
    need_network_search: bool(o.need_network_search, true),
  };
}

/** Picks that name candidate ids only, at most `max`, first mention wins. */
export function parsePicks(text: string, candidates: Map<string, string>, max = 5): PickedDoc[] | undefined {
  const v = extractJson(text, '[');
  if (!Array.isArray(v)) return undefined;
  const out: PickedDoc[] = [];
  for (const item of v) {
    if (!item || typeof item !== 'object') continue;
    const id = String((item as Record<string, unknown>).id ?? '');
    if (!candidates.has(id) || out.some((p) => p.id === id)) continue;
    const explain = (item as Record<string, unknown>).explain;
    out.push({ id, title: candidates.get(id) as string, explain: typeof explain === 'string' ? explain : '' });
    if (out.length >= max) break;
  }
  return out;
}
