// A streamed reply as the playground shows it: chunks (coco-api.md §4.3) folded into steps. Chunks
// carry `seq` (gap-free per reply); a chunk at or below the last applied seq is a duplicate and ignored,
// which makes resume after a reload exactly-once.
import type { ChatMessage, MessageChunk } from '../types';

export interface SourceItem {
  id?: string;
  title?: string;
  url?: string;
  source?: { name?: string };
}

export interface ToolCall {
  name: string;
  arguments: string;
  result: string;
}

export interface ReplyState {
  replyId?: string;
  replyTo: string;
  lastSeq: number;
  intentRaw: string;
  sourcesRaw: string;
  pickRaw: string;
  pickStarted: boolean;
  deepRead: string;
  toolsText: string;
  toolCalls: ToolCall[];
  think: string;
  response: string;
  systemError: string;
  /** The reply waits for its message's attachments to be read (attachment_waiting, until another step comes). */
  attachmentWaiting?: boolean;
  /** The names of the files it waits for, when the chunk gives them. */
  attachmentWaitingFor?: string[];
  /** `type` says what ran out (`attachment_processing`: the attachments were not read in time). */
  end?: ReplyEnd;
}

export interface ReplyEnd {
  reason: string;
  error?: string;
  type?: string;
}

export const newReply = (replyTo: string): ReplyState => ({
  replyTo,
  lastSeq: 0,
  intentRaw: '',
  sourcesRaw: '',
  pickRaw: '',
  pickStarted: false,
  deepRead: '',
  toolsText: '',
  toolCalls: [],
  think: '',
  response: '',
  systemError: '',
});

export function applyChunk(r: ReplyState, c: MessageChunk): ReplyState {
  if (typeof c.seq === 'number') {
    if (c.seq <= r.lastSeq) return r;
  }
  const next: ReplyState = { ...r, replyId: r.replyId ?? c.message_id, lastSeq: typeof c.seq === 'number' ? c.seq : r.lastSeq };
  const text = c.message_chunk ?? '';
  next.attachmentWaiting = c.chunk_type === 'attachment_waiting';
  switch (c.chunk_type) {
    case 'query_intent':
      next.intentRaw += text;
      break;
    case 'fetch_source':
      next.sourcesRaw += text;
      break;
    case 'pick_source':
      next.pickStarted = true;
      next.pickRaw += text;
      break;
    case 'deep_read':
      next.deepRead += text;
      break;
    case 'tools':
      if (c.tool_call_message_chunk) {
        try {
          const call = JSON.parse(c.tool_call_message_chunk) as Partial<ToolCall>;
          next.toolCalls = [...r.toolCalls, { name: String(call.name ?? ''), arguments: String(call.arguments ?? ''), result: String(call.result ?? '') }];
        } catch {
          next.toolsText += text;
        }
      } else next.toolsText += text;
      break;
    case 'think':
      next.think += text;
      break;
    case 'response':
      if (c.message_type === 'system') next.systemError += text;
      else next.response += text;
      break;
    case 'attachment_waiting':
      next.attachmentWaitingFor = waitingNames(text) ?? r.attachmentWaitingFor;
      break;
    case 'reply_end':
      next.end = parseEnd(text);
      break;
    default:
      break;
  }
  return next;
}

/** `{"waiting": [{id, name, initial_parsing}]}` → the names (undefined when the chunk says otherwise). */
function waitingNames(text: string): string[] | undefined {
  try {
    const v = JSON.parse(text) as { waiting?: Array<{ name?: unknown }> };
    if (Array.isArray(v?.waiting)) return v.waiting.map((f) => (typeof f?.name === 'string' ? f.name : '')).filter(Boolean);
  } catch {
    /* plain text */
  }
  return undefined;
}

export function parseEnd(text: string): ReplyEnd {
  try {
    const v = JSON.parse(text) as { reason?: string; error?: string; type?: unknown };
    if (v && typeof v.reason === 'string') return { reason: v.reason, error: v.error, ...(typeof v.type === 'string' && { type: v.type }) };
  } catch {
    /* Coco before HEAD sends "Processing completed" */
  }
  return { reason: 'completed' };
}

/** `<Payload total=N>[…]</Payload>` → the total and the documents (null until complete). */
export function parseSources(raw: string): { total: number; items: SourceItem[] } | null {
  const m = /<Payload total=(\d+)>([\s\S]*?)<\/Payload>/.exec(raw);
  if (!m) return null;
  try {
    return { total: Number(m[1]), items: JSON.parse(m[2]!) as SourceItem[] };
  } catch {
    return { total: Number(m[1]), items: [] };
  }
}

/** The last `<JSON>…</JSON>` (or ```json block) in streamed model output, parsed. */
export function parseJsonBlock(raw: string): unknown {
  const blocks = [...raw.matchAll(/<JSON>([\s\S]*?)<\/JSON>/g)].map((m) => m[1]!);
  const fenced = [...raw.matchAll(/```json\s*([\s\S]*?)```/g)].map((m) => m[1]!);
  const last = blocks.at(-1) ?? fenced.at(-1);
  if (last === undefined) return undefined;
  try {
    return JSON.parse(last);
  } catch {
    return undefined;
  }
}

/** Splits inline `<think>…</think>` out of the answer (some models write their reasoning inline). */
export function splitInlineThink(response: string): { think: string; answer: string } {
  let think = '';
  const answer = response.replace(/<think>([\s\S]*?)(<\/think>|$)/g, (_, t: string) => {
    think += t;
    return '';
  });
  return { think, answer };
}

/** A saved assistant message (from _history) shown like a finished reply. */
export function replyFromMessage(m: ChatMessage): ReplyState {
  const r = newReply(m.reply_to_message ?? '');
  r.replyId = m.id;
  r.response = m.message ?? '';
  for (const d of m.details ?? []) {
    const desc = (d as { description?: string }).description ?? '';
    switch (d.type) {
      case 'think':
        r.think = desc;
        break;
      case 'fetch_source':
        if (Array.isArray(d.payload)) r.sourcesRaw = `<Payload total=${d.payload.length}>${JSON.stringify(d.payload)}</Payload>`;
        break;
      case 'pick_source':
        r.pickStarted = true;
        r.pickRaw = `<JSON>${JSON.stringify(d.payload ?? [])}</JSON>`;
        break;
      case 'deep_read':
        r.deepRead = desc;
        break;
      case 'query_intent':
        r.intentRaw = `<JSON>${JSON.stringify(d.payload ?? {})}</JSON>`;
        break;
      case 'tools':
        if (Array.isArray(d.payload)) r.toolCalls = (d.payload as ToolCall[]).map((c) => ({ name: String(c.name), arguments: String(c.arguments ?? ''), result: String(c.result ?? '') }));
        break;
      case 'reply_end':
        r.end = (d.payload as ReplyEnd) ?? { reason: 'completed' };
        break;
      default:
        break;
    }
  }
  if (!r.end) r.end = { reason: 'completed' };
  return r;
}

/** Reads an NDJSON response line by line (fetch + a stream reader). */
export async function readNdjson(res: Response, onLine: (value: unknown) => void): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) onLine(JSON.parse(line));
    }
  }
  if (buffered.trim()) onLine(JSON.parse(buffered));
}
