// The two things measured side by side: the real server (HTTP send + WebSocket chunks through Temporal,
// Redis and Mongo) and the direct baseline (bench/baseline.ts). Both hand out chat sessions with the
// same shape, so a benchmark runs the same code against either.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { TimedSocket } from './timed-socket';

/** What the bench reads from a frame: Coco's chunk fields (CONFIG maps to chunk_type "config"). */
export interface Frame {
  reply_to_message: string;
  chunk_type: string;
  message_chunk: string;
  message_type?: string;
}

export interface Asked {
  /** performance.now() just before the request left. */
  t0: number;
  /** The chunks' reply_to_message: the user message id (server) or the request id (baseline). */
  key: string;
}

export interface ChatSession {
  ws: TimedSocket<Frame>;
  ask(text: string): Promise<Asked>;
  cancel(key: string): Promise<void>;
  close(): void;
}

export interface ChatTarget {
  name: string;
  /** `newChats`: every message starts a chat of its own (the server's `_new`). */
  open(opts?: { newChats?: boolean }): Promise<ChatSession>;
}

function parseFrame(text: string): Frame | undefined {
  if (text.startsWith('PRIVATE ')) return JSON.parse(text.slice(8)) as Frame;
  const config = /^CONFIG websocket-session-id:\s*(\S+)/.exec(text);
  if (config) return { reply_to_message: '', chunk_type: 'config', message_chunk: config[1]! };
  return undefined;
}

export const isToken = (key: string) => (f: Frame) =>
  f.reply_to_message === key && f.chunk_type === 'response' && f.message_chunk !== '' && f.message_type !== 'system';
export const isEnd = (key: string) => (f: Frame) => f.reply_to_message === key && f.chunk_type === 'reply_end';
export const endReason = (f: Frame) => (JSON.parse(f.message_chunk) as { reason: string }).reason;

/** The real server: `_new` for a session's first message (or every message), `_send` after, `_cancel` by session. */
export function serverTarget(apiUrl: string, token: string): ChatTarget {
  const wsUrl = `${apiUrl.replace(/^http/, 'ws')}/ws`;
  return {
    name: 'server',
    async open({ newChats = false } = {}) {
      const ws = await TimedSocket.connect(wsUrl, parseFrame, { 'X-API-TOKEN': token });
      const wsId = (await ws.waitFor((f) => f.chunk_type === 'config', 5000, 'CONFIG frame')).value.message_chunk;
      let sessionId: string | undefined;
      const post = async (path: string, body?: unknown) => {
        const res = await fetch(apiUrl + path, {
          method: 'POST',
          headers: { 'X-API-TOKEN': token, 'WEBSOCKET-SESSION-ID': wsId, 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${text.slice(0, 200)}`);
        return JSON.parse(text);
      };
      return {
        ws,
        async ask(text) {
          const t0 = performance.now();
          if (!sessionId || newChats) {
            const created = await post('/chat/_new', { message: text });
            sessionId = created._id as string;
            return { t0, key: created.payload.id as string };
          }
          const sent = await post(`/chat/${sessionId}/_send`, { message: text });
          return { t0, key: sent[0]._id as string };
        },
        async cancel() {
          await post(`/chat/${sessionId}/_cancel`);
        },
        close: () => ws.close(),
      };
    },
  };
}

/** The direct baseline: one WebSocket message asks, another cancels. */
export function baselineTarget(wsUrl: string): ChatTarget {
  return {
    name: 'baseline',
    async open() {
      const ws = await TimedSocket.connect(wsUrl, parseFrame);
      return {
        ws,
        async ask(text) {
          const key = randomBytes(6).toString('hex');
          const t0 = performance.now();
          ws.send(JSON.stringify({ op: 'ask', id: key, text }));
          return { t0, key };
        },
        async cancel(key) {
          ws.send(JSON.stringify({ op: 'cancel', id: key }));
        },
        close: () => ws.close(),
      };
    },
  };
}
