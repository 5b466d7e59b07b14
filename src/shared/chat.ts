// Plain types that cross API ↔ workflow ↔ activities for chat. Type imports only: workflows use these too.
import type { ToolsContext } from './tools';

export type ChunkType =
  | 'reply_start'
  | 'query_intent'
  | 'tools'
  | 'fetch_source'
  | 'pick_source'
  | 'deep_read'
  | 'think'
  | 'response'
  | 'attachment_waiting'
  | 'reply_end';

export type ReplyEndReason = 'completed' | 'user_cancelled' | 'error' | 'timeout';

/** Coco's chunk envelope (coco-api.md §4.2) plus `seq`, the reply-wide gap-free resume cursor. */
export interface MessageChunk {
  session_id: string;
  message_id: string;
  message_type: 'assistant' | 'system';
  reply_to_message: string;
  chunk_sequence: number;
  chunk_type: ChunkType;
  message_chunk: string;
  seq: number;
  /** On `tools` chunks: JSON {"name","arguments","result"} of a tool call (Coco HEAD). */
  tool_call_message_chunk?: string;
}

/** Identifies one reply: the assistant message being built and the user message it answers. */
export interface ReplyRef {
  sessionId: string;
  replyId: string;
  userMessageId: string;
}

/** RAG context of a request (coco-api.md §3.2). */
export interface TurnParams {
  search: boolean;
  deepThinking: boolean | null;
  mcp: boolean;
  datasource: string[] | null;
  mcpServers: string[] | null;
  /** Document filters from the request (category, tags, owner, ...), as ES clauses. */
  filters?: unknown[];
}

export interface Turn extends ReplyRef {
  assistantId: string;
  ownerId: string;
  text: string;
  params: TurnParams;
  /** What the model gets as the query when it differs from the saved text (AI overview payloads). */
  modelQuery?: string;
  /** Search results given with the question (AI overview): saved as the reply's fetch_source detail. */
  givenSources?: SourceRef[];
  /** The assistant's version (its cache key in Redis) when the API checked it: a worker holding that version uses it as is. */
  assistantVersion?: string;
  /** The assistant's history size when the message was sent: the workflow hands the turn that much history. */
  historyNumber?: number;
  /** When the API sent it (ms since the epoch), and how long it may wait for a worker to take it. */
  sentAt?: number;
  admissionMs?: number;
  /** Files whose text the answer reads: the message's, then the session context's (ids; checked by the API). */
  attachments?: string[];
  /** What the Temporal UI may show of this turn (absent: no message text, no model name). */
  ui?: TurnUi;
}

/** What a session workflow's details and step summaries in the Temporal UI may say of a turn. */
export interface TurnUi {
  /** The message's first words may appear (COCO_UI_SUMMARY_TEXT); else only ids, names and counts. */
  text: boolean;
  /** The assistant's answering model, named on the steps before the context is loaded. */
  model?: string;
}

/**
 * The conversation as the session's workflow knows it, so a turn's history needs no database read (a
 * query on messages is a scan of every message on FerretDB's SQLite backend). Entries are the latest
 * messages after the summary, oldest first. `complete`: there are no older ones after the summary.
 */
export interface Conversation {
  entries: HistoryEntry[];
  summary: string;
  complete: boolean;
}

/** A document as cited in chunks and details. */
export interface SourceRef {
  id: string;
  title: string;
  url?: string;
  icon?: string;
  category?: string;
  summary?: string;
  updated?: string;
  source?: { id?: string; type?: string; name?: string; icon?: string };
}

export interface QueryIntent {
  category: string;
  intent: string;
  query: string[];
  keyword: string[];
  suggestion: string[];
  need_plan_tasks: boolean;
  need_call_tools: boolean;
  need_network_search: boolean;
}

export interface PickedDoc {
  id: string;
  title: string;
  explain: string;
}

/** A saved step of the reply (coco-api.md §6.2): 10 intent, 20 sources, 30 picks, 40 deep read, 50 think. */
export interface ReplyDetail {
  order: number;
  type: string;
  description?: string;
  payload?: unknown;
}

export interface StepModel extends ModelRef {
  template: string;
}

/** What retrieval may search for this turn, resolved from the assistant and the request. */
export interface SearchScope {
  datasourceIds: string[];
  filters: unknown[];
}

export interface ChatSessionInput {
  sessionId: string;
  ownerId: string;
  /** Idle time after which the workflow completes; the next send starts it again. */
  keepaliveMs: number;
  /** Turns already run by earlier runs (continue-as-new). */
  turnsDone?: number;
  /** Continue-as-new after this many turns in one run, keeping the history short. */
  turnsPerRun?: number;
  /**
   * Continue-as-new waits for the chat to be quiet this long (unless Temporal suggests it): a message sent
   * while the run switches waits for the new run, seconds on the dev server.
   */
  continueQuietMs?: number;
  /** Carried over continue-as-new; a brand-new session starts with an empty, complete one. */
  conversation?: Conversation;
  /** The assistant id the run's search attribute was started with (it is upserted when it changes). */
  assistantId?: string;
  /**
   * Once the run's history has this many events, it continues as new as soon as a turn ends, without
   * waiting for a quiet moment (a chat that never pauses would otherwise grow its history forever).
   */
  forceContinueEvents?: number;
  /** Turns queued when the previous run continued as new (a forced continue does not wait for the queue). */
  queued?: Turn[];
}

export interface ChatSessionState {
  status: 'idle' | 'replying' | 'closing';
  current: ReplyRef | null;
  queued: number;
  turnsDone: number;
}

export interface CancelRequest {
  /** The user message id (HTTP-era key) or the reply id; absent = whatever is running. */
  messageId?: string;
}

export interface ModelRef {
  providerId: string;
  name: string;
  settings: Record<string, unknown>;
}

export interface HistoryEntry {
  role: 'user' | 'assistant';
  text: string;
  /** The message's id (absent in contexts from before the workflow kept the conversation). */
  id?: string;
}

/** What loadContext hands to the answer step; small, as it lands in workflow history. Never secrets. */
export interface TurnContext {
  assistantId: string;
  /** The user's text after input_preprocess_tpl. */
  query: string;
  rolePrompt: string;
  answerTemplate: string;
  model: ModelRef;
  keepaliveMs: number;
  history: HistoryEntry[];
  /** True when `history` holds every message after the summary (it was read and there were no more). */
  historyComplete?: boolean;
  /** Summary of turns older than `history` (history compression). */
  summary: string;
  deepThink: boolean;
  /** Null when retrieval is off for this turn. */
  search: SearchScope | null;
  pickDatasource: boolean;
  pickTools: boolean;
  intentModel: StepModel | null;
  pickingModel: StepModel | null;
  /** Datasources the intent step may choose from ("ID: …, Name: …, Description: …" lines). */
  networkSources: string;
  /** History compression: fold older turns into the summary once the history passes this many characters. */
  compression: { threshold: number; enabled: boolean };
  tools: ToolsContext | null;
}

/** What the answer step cites: documents by id (content is read then), summaries only or in full. */
export interface AnswerInputs {
  docIds: string[];
  deep: boolean;
  toolsOutput: string;
  /** The prompt's "Attachments:" section (the turn's files' text, bounded); absent in histories from before. */
  attachments?: string;
}

/** What reading a turn's attachments gave: their text for the prompt, or why the turn cannot wait for it. */
export type AttachmentsRead = { section: string } | { timedOut: string[] } | { cancelled: true };

export interface AnswerResult {
  text: string;
  think: string;
  reason: ReplyEndReason;
  lastSeq: number;
  /** Set when the answering step also finalized the reply (saved it, sent reply_end): no finalize step follows. */
  finalized?: Finalized;
}

/** A reply that ends without an answer: the error (or timeout) is shown and saved as its message. */
export interface ReplyFailure {
  reason: 'error' | 'timeout';
  error: string;
  /** What timed out, on reply_end (Coco: `assistant_generation` or `attachment_processing`). */
  type?: 'attachment_processing';
}

/** What a reply is finalized with: its answer, or why there is none. */
export type FinalInput = AnswerResult | ReplyFailure;

/** What finalizing a reply gives the workflow: the last chunk's seq, and the saved reply as a history entry. */
export interface Finalized {
  lastSeq: number;
  entry: HistoryEntry;
}

export function parseDuration(text: string, fallbackMs: number): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return fallbackMs;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export const workflowIdForSession = (sessionId: string) => `chat-session:${sessionId}`;
