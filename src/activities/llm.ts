// Streaming chat completions from any OpenAI-compatible provider, split into reasoning ("think") and
// answer ("response") deltas. Reasoning arrives as `reasoning_content` deltas or inline <think> tags.
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import OpenAI from 'openai';

export interface ChatMessageParam {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** DeepSeek's prefix completion: the model continues this (last, assistant) message. */
  prefix?: boolean;
}

export interface ModelTimeouts {
  firstTokenMs: number;
  betweenTokensMs: number;
}

export interface StreamRequest {
  baseUrl: string;
  apiKey: string;
  model: string;
  messages: ChatMessageParam[];
  settings: Record<string, unknown>;
  signal: AbortSignal;
  onDelta: (kind: 'think' | 'response', text: string) => void | Promise<void>;
  /** Without them, only the client's own request timeout bounds a silent model. */
  timeouts?: ModelTimeouts;
  /** Provider-specific request fields (e.g. vLLM's continue_final_message). */
  extraBody?: Record<string, unknown>;
}

/** The model sent no token within its provider's bound: nothing more is waited for in this attempt. */
export class ModelTimeoutError extends Error {
  override readonly name = 'ModelTimeoutError';
}

/** Splits inline <think>…</think> out of streamed content, tolerating tags cut across deltas. */
export class ThinkSplitter {
  private inThink = false;
  private carry = '';

  push(text: string): Array<['think' | 'response', string]> {
    const out: Array<['think' | 'response', string]> = [];
    let s = this.carry + text;
    this.carry = '';
    for (;;) {
      const tag = this.inThink ? '</think>' : '<think>';
      const at = s.indexOf(tag);
      if (at >= 0) {
        if (at > 0) out.push([this.inThink ? 'think' : 'response', s.slice(0, at)]);
        this.inThink = !this.inThink;
        s = s.slice(at + tag.length);
        continue;
      }
      // Keep a possible partial tag at the end for the next delta.
      let keep = 0;
      for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) {
        if (tag.startsWith(s.slice(-n))) {
          keep = n;
          break;
        }
      }
      const emit = s.slice(0, s.length - keep);
      if (emit) out.push([this.inThink ? 'think' : 'response', emit]);
      this.carry = s.slice(s.length - keep);
      return out;
    }
  }

  end(): Array<['think' | 'response', string]> {
    const rest = this.carry;
    this.carry = '';
    return rest ? [[this.inThink ? 'think' : 'response', rest]] : [];
  }
}

/** Settings Coco stores, mapped to the request; zero means "not set" (coco-api.md §5.1). */
function requestSettings(settings: Record<string, unknown>) {
  const num = (k: string) => (typeof settings[k] === 'number' && (settings[k] as number) !== 0 ? (settings[k] as number) : undefined);
  return {
    temperature: num('temperature'),
    top_p: num('top_p'),
    presence_penalty: num('presence_penalty'),
    frequency_penalty: num('frequency_penalty'),
    max_tokens: num('max_tokens'),
  };
}

const clients = new Map<string, OpenAI>();
const MAX_CLIENTS = 64;

/** One client per provider URL and key, reused across steps (building one per call costs time per step). */
export function clientFor(baseUrl: string, apiKey: string): OpenAI {
  const key = `${baseUrl}\n${apiKey}`;
  let client = clients.get(key);
  if (!client) {
    if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
    // Temporal retries the activity; the client itself must not retry behind its back.
    client = new OpenAI({ baseURL: baseUrl || undefined, apiKey: apiKey || 'not-needed', maxRetries: 0, timeout: 120_000 });
    clients.set(key, client);
  }
  return client;
}

/**
 * Runs one model call in its span (`chat <model>`, OpenTelemetry's GenAI conventions), a child of the
 * activity's: one span per call, never per token. A no-op span when tracing is off.
 */
export function withModelSpan<T>(model: string, baseUrl: string, fn: (span: Span) => Promise<T>): Promise<T> {
  // The current provider's tracer (a cached lookup): a module-level proxy tracer would stay bound to the first.
  return trace.getTracer('coco-llm').startActiveSpan(`chat ${model}`, { kind: SpanKind.CLIENT }, async (span) => {
    if (span.isRecording()) {
      span.setAttributes({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model });
      const host = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
      if (host) span.setAttributes({ 'server.address': host.hostname, ...(host.port && { 'server.port': Number(host.port) }) });
    }
    try {
      return await fn(span);
    } catch (err) {
      if (isAbort(err)) {
        span.setAttribute('coco.aborted', true); // a cancel or a timeout, not a provider error
      } else {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      }
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Streams one completion. With `timeouts`, a model that sends no token within `firstTokenMs`, or none for
 * `betweenTokensMs` once it started, is given up on: ModelTimeoutError (the caller's `signal` still cancels).
 */
export function streamChat(req: StreamRequest): Promise<void> {
  return withModelSpan(req.model, req.baseUrl, (span) => streamInSpan(req, span));
}

async function streamInSpan(req: StreamRequest, span: Span): Promise<void> {
  const client = clientFor(req.baseUrl, req.apiKey);
  const abort = new AbortController();
  const cancel = () => abort.abort();
  if (req.signal.aborted) abort.abort();
  req.signal.addEventListener('abort', cancel);
  let timedOut: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const expectTokenWithin = (ms: number, what: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = `the model sent no ${what} within ${Math.round(ms / 1000)}s`;
      abort.abort();
    }, ms);
  };
  const nextToken = () => req.timeouts && expectTokenWithin(req.timeouts.betweenTokensMs, 'further token');
  if (req.timeouts) expectTokenWithin(req.timeouts.firstTokenMs, 'first token');
  try {
    const body = { model: req.model, messages: req.messages, stream: true as const, ...requestSettings(req.settings), ...req.extraBody };
    const stream = await client.chat.completions.create(body as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming, { signal: abort.signal });
    const splitter = new ThinkSplitter();
    let deltas = 0;
    for await (const part of stream) {
      const delta = part.choices[0]?.delta as { content?: string | null; reasoning_content?: string | null; reasoning?: string | null } | undefined;
      if (!delta) continue;
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning || delta.content) {
        nextToken();
        if (deltas++ === 0) span.addEvent('first token');
      }
      if (reasoning) await req.onDelta('think', reasoning);
      if (delta.content) for (const [kind, text] of splitter.push(delta.content)) await req.onDelta(kind, text);
    }
    // An abort during the stream ends the iteration quietly (the SDK's way), without an error.
    if (timedOut && !req.signal.aborted) throw new ModelTimeoutError(timedOut);
    for (const [kind, text] of splitter.end()) await req.onDelta(kind, text);
    span.setAttribute('coco.deltas', deltas);
  } catch (err) {
    if (timedOut && !req.signal.aborted) throw new ModelTimeoutError(timedOut);
    throw err;
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', cancel);
  }
}

/** Provider errors a retry cannot fix: bad request, auth, not found (but not 408/429). */
export function isPermanentProviderError(err: unknown): boolean {
  return err instanceof OpenAI.APIError && typeof err.status === 'number' && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

/** A failed model call's status label (bounded): the provider's HTTP status, timeout, connection or other. */
export function providerErrorStatus(err: unknown): string {
  if (err instanceof ModelTimeoutError || err instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (err instanceof OpenAI.APIConnectionError) return 'connection';
  if (err instanceof OpenAI.APIError && typeof err.status === 'number' && err.status >= 100 && err.status <= 599) return String(err.status);
  return 'other';
}

export function isAbort(err: unknown): boolean {
  return err instanceof OpenAI.APIUserAbortError || (err as Error)?.name === 'AbortError';
}
