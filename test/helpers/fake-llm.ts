// A local OpenAI-compatible server for tests and benchmarks: streaming chat completions, reasoning
// deltas, tool calls, a per-token delay, failures on demand (HTTP errors, a hang, a malformed stream),
// and a record of every request it received.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ToolCallScript {
  id?: string;
  name: string;
  arguments: string;
}

/**
 * How a model treats a conversation whose answer was cut short, as real providers do:
 * - `prefill`: continues a last assistant message (Ollama, vLLM continue_final_message, llama.cpp); a user
 *   message after its partial answer is a new question to it, answered as such.
 * - `instruction`: cannot continue a message (a last assistant message gets the whole answer anew); follows
 *   a user message that comes after its partial answer by going on from there.
 * - `seam`: like `instruction`, but restates the sentence it was in before going on.
 */
export type Convention = 'prefill' | 'instruction' | 'seam';

export interface Script {
  /** The model's whole answer to the question; with `convention`, what it streams depends on the request. */
  answer?: string;
  convention?: Convention;
  /** Answer tokens, streamed one per chunk. */
  tokens?: string[];
  /** Reasoning tokens, sent first as `reasoning_content` deltas. */
  reasoning?: string[];
  toolCalls?: ToolCallScript[];
  /** Delay before each token, in ms. */
  delayMs?: number;
  /** HTTP error instead of a stream. */
  status?: number;
  /** Accept the request and never answer (after `hangAfter` tokens, if given). */
  hang?: boolean;
  hangAfter?: number;
  /** Send broken SSE data after `malformedAfter` tokens. */
  malformedAfter?: number;
}

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export interface FakeLlm {
  url: string;
  requests: RecordedRequest[];
  /** Requests these routes match are answered by them, before the queue (e.g. follow-up calls). */
  routes: Array<{ match: (r: RecordedRequest) => boolean; script: (r: RecordedRequest) => Script }>;
  /** Scripts used in order; when none is queued, `fallback` answers. */
  queue: Script[];
  fallback: (req: RecordedRequest) => Script;
  /** Resolves when a request arrives whose last user message contains `text`. */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export const lastUserText = (r: RecordedRequest): string => {
  const msgs = (r.body?.messages ?? []) as Array<{ role: string; content: string }>;
  return [...msgs].reverse().find((m) => m.role === 'user')?.content ?? '';
};

/** Splits text into word-ish tokens that join back to the same text. */
export function tokensOf(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a prefill model says when a user message follows its partial answer: it answers that message. */
export const ANSWER_TO_A_NEW_QUESTION = 'Of course. What else would you like to know about it?';

/** The start of the sentence `text` ends in. */
function lastSentence(text: string): string {
  const at = Math.max(text.lastIndexOf('. '), text.lastIndexOf('? '), text.lastIndexOf('! '));
  return at < 0 ? text : text.slice(at + 2);
}

/** The answer's tokens for this request, as a model of the script's convention would stream them. */
function conventionTokens(script: Script, messages: Array<{ role: string; content: string; prefix?: boolean }>): string[] {
  const full = script.answer ?? '';
  const partial = [...messages].reverse().find((m) => m.role === 'assistant')?.content;
  const rest = partial !== undefined && full.startsWith(partial) ? full.slice(partial.length) : full;
  if (partial === undefined) return tokensOf(full);
  if (messages.at(-1)?.role === 'assistant') return script.convention === 'prefill' ? tokensOf(rest) : tokensOf(full);
  if (script.convention === 'prefill') return tokensOf(ANSWER_TO_A_NEW_QUESTION);
  return tokensOf(script.convention === 'seam' ? ` ${lastSentence(partial)}${rest}` : rest);
}

export async function startFakeLlm(): Promise<FakeLlm> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }> = [];
  const sockets = new Set<import('node:net').Socket>();
  const routes: FakeLlm['routes'] = [];
  const state: Pick<FakeLlm, 'queue' | 'fallback'> = {
    queue: [],
    fallback: () => ({ tokens: tokensOf('Hello from the test model.') }),
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      let body: any;
      try {
        body = JSON.parse(raw || '{}');
      } catch {
        res.writeHead(400).end('{"error":{"message":"bad json"}}');
        return;
      }
      const record: RecordedRequest = { path: req.url ?? '', headers: req.headers, body };
      requests.push(record);
      for (const w of [...waiters]) {
        if (w.predicate(record)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(record);
        }
      }
      if (!req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      const route = routes.find((r) => r.match(record));
      const picked = route ? route.script(record) : (state.queue.shift() ?? state.fallback(record));
      const script = picked.answer !== undefined ? { ...picked, tokens: conventionTokens(picked, body.messages ?? []) } : picked;
      if (script.status) {
        res.writeHead(script.status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: `scripted failure ${script.status}`, type: 'test' } }));
        return;
      }
      if (script.hang && script.hangAfter === undefined) return; // never answers
      if (body.stream !== true) {
        // Non-streaming (tool steps): one chat.completion with the text and any tool calls.
        if (script.delayMs) await sleep(script.delayMs);
        const toolCalls = (script.toolCalls ?? []).map((tc, i) => ({ id: tc.id ?? `call_${i}`, type: 'function', function: { name: tc.name, arguments: tc.arguments } }));
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            id: 'chatcmpl-test',
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body.model ?? 'test',
            choices: [{ index: 0, message: { role: 'assistant', content: (script.tokens ?? []).join(''), ...(toolCalls.length && { tool_calls: toolCalls }) }, finish_reason: toolCalls.length ? 'tool_calls' : 'stop' }],
          }),
        );
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      const model = body.model ?? 'test';
      const send = (delta: Record<string, unknown>, finish: string | null = null) => {
        if (res.destroyed) return;
        res.write(`data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      };
      send({ role: 'assistant', content: '' });
      let sent = 0;
      for (const r of script.reasoning ?? []) {
        if (script.delayMs) await sleep(script.delayMs);
        send({ reasoning_content: r });
      }
      for (const t of script.tokens ?? []) {
        if (res.destroyed) return;
        if (script.hangAfter !== undefined && sent === script.hangAfter) return;
        if (script.malformedAfter !== undefined && sent === script.malformedAfter) {
          res.end('data: {"choices": [{"delta": {"content": "bro\n\n');
          return;
        }
        if (script.delayMs) await sleep(script.delayMs);
        send({ content: t });
        sent++;
      }
      if (script.toolCalls?.length) {
        script.toolCalls.forEach((tc, i) =>
          send({ tool_calls: [{ index: i, id: tc.id ?? `call_${i}`, type: 'function', function: { name: tc.name, arguments: tc.arguments } }] }),
        );
        send({}, 'tool_calls');
      } else {
        send({}, 'stop');
      }
      res.end('data: [DONE]\n\n');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;

  const llm: FakeLlm = {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    routes,
    get queue() {
      return state.queue;
    },
    set queue(q) {
      state.queue = q;
    },
    get fallback() {
      return state.fallback;
    },
    set fallback(f) {
      state.fallback = f;
    },
    waitForRequest(predicate, timeoutMs = 10_000) {
      const found = requests.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching request reached the test model')), timeoutMs);
        waiters.push({ predicate, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return llm;
}
