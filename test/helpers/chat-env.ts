// A whole chat stack for a test file: the test model, an API server and a real Temporal worker on a
// task queue of its own (so test files sharing the Temporal server never take each other's tasks).
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { MessageChunk } from '../../src/shared/chat';
import type { Logger } from '../../src/infra/logger';
import { RunningWorker, startWorker } from '../../src/worker';
import { startTestApi, TestApi } from './api';
import { SUMMARY_PROMPT, TITLE_PROMPT } from '../../src/activities/followups';
import { FakeLlm, RecordedRequest, startFakeLlm, tokensOf } from './fake-llm';

export interface ChatEnv {
  api: TestApi;
  llm: FakeLlm;
  worker: RunningWorker;
  env: Record<string, string>;
  /** Requests that were not follow-ups (title, summary): the pipeline's own model calls. */
  pipelineRequests(): RecordedRequest[];
  close(): Promise<void>;
}

const systemText = (r: RecordedRequest) => (r.body?.messages?.[0]?.role === 'system' ? String(r.body.messages[0].content) : '');
export const isTitleRequest = (r: RecordedRequest) => systemText(r) === TITLE_PROMPT;
export const isSummaryRequest = (r: RecordedRequest) => systemText(r) === SUMMARY_PROMPT;

/** `opts.logger`: where the API's and the worker's log lines go (silent by default). */
export async function startChatEnv(label: string, extraEnv: Record<string, string> = {}, opts: { worker?: boolean; logger?: Logger } = {}): Promise<ChatEnv> {
  const llm = await startFakeLlm();
  // Follow-up calls come after reply_end, at their own pace: they never take a test's queued scripts.
  llm.routes.push({ match: isTitleRequest, script: () => ({ tokens: tokensOf('A generated title') }) });
  llm.routes.push({ match: isSummaryRequest, script: () => ({ tokens: tokensOf('A running summary.') }) });
  const env: Record<string, string> = {
    COCO_LLM_BASE_URL: llm.url,
    COCO_LLM_API_KEY: 'sk-test-key-0123456789abcdef',
    COCO_LLM_MODEL: 'test-model',
    TEMPORAL_TASK_QUEUE: `test-${label}-${randomBytes(3).toString('hex')}`,
    COCO_REDIS_PREFIX: `test:${label}:${randomBytes(3).toString('hex')}:`,
    ...extraEnv,
  };
  const api = await startTestApi(label, env, opts.logger);
  env.MONGODB_URI = api.server.deps.config.mongo.uri;
  env.COCO_ADMIN_TOKEN = api.token;
  const worker = opts.worker === false ? undefined : await startWorker(api.server.deps.config, opts.logger);
  return {
    api,
    llm,
    worker: worker as RunningWorker,
    env,
    pipelineRequests: () => llm.requests.filter((r) => !isTitleRequest(r) && !isSummaryRequest(r)),
    async close() {
      await worker?.shutdown().catch(() => undefined);
      await api.close();
      await llm.close();
    },
  };
}

/** Reads an NDJSON response line by line. */
export async function readNdjson(res: Response, onLine?: (line: any) => void): Promise<any[]> {
  const lines: any[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      onLine?.(line);
    }
  }
  return lines;
}

export function postStream(api: TestApi, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(api.url + path, { method: 'POST', headers: { 'X-API-TOKEN': api.token, ...headers }, body: JSON.stringify(body) });
}

/** A Coco WebSocket client: its id from the CONFIG frame, and the PRIVATE chunks it received. */
export interface WsClient {
  id: string;
  chunks: MessageChunk[];
  frames: string[];
  /** Resolves with the reply's chunks once its reply_end arrived. */
  replyEnded(replyToMessage: string, timeoutMs?: number): Promise<MessageChunk[]>;
  close(): void;
}

export function connectWs(url: string, token: string): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { 'X-API-TOKEN': token } });
    const chunks: MessageChunk[] = [];
    const frames: string[] = [];
    const waiters: Array<() => void> = [];
    socket.on('error', reject);
    socket.on('message', (data) => {
      const text = data.toString();
      frames.push(text);
      const m = /websocket-session-id:\s*(\S+)/.exec(text);
      if (text.startsWith('CONFIG') && m) {
        resolve(client(m[1]!));
      } else if (text.startsWith('PRIVATE ')) {
        chunks.push(JSON.parse(text.slice(8)));
        for (const w of [...waiters]) w();
      }
    });
    const client = (id: string): WsClient => ({
      id,
      chunks,
      frames,
      replyEnded(replyTo, timeoutMs = 20_000) {
        const mine = () => chunks.filter((c) => c.reply_to_message === replyTo);
        return new Promise((res, rej) => {
          const check = () => {
            if (mine().some((c) => c.chunk_type === 'reply_end')) {
              waiters.splice(waiters.indexOf(check), 1);
              clearTimeout(timer);
              res(mine());
            }
          };
          const timer = setTimeout(() => rej(new Error(`no reply_end for ${replyTo} within ${timeoutMs} ms; got ${mine().length} chunks`)), timeoutMs);
          waiters.push(check);
          check();
        });
      },
      close: () => socket.close(),
    });
  });
}

export const responseText = (chunks: MessageChunk[]) =>
  chunks.filter((c) => c.chunk_type === 'response' && c.message_type === 'assistant').map((c) => c.message_chunk).join('');

export const endReason = (chunks: MessageChunk[]) => JSON.parse(chunks.find((c) => c.chunk_type === 'reply_end')!.message_chunk).reason;
