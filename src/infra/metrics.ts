// Prometheus metrics of this process (prom-client): one registry, the definitions below, and the text a
// scrape gets (`GET /metrics` on the API with the `metrics` permission; the plain listener of
// COCO_METRICS_PORT / COCO_WORKER_METRICS_PORT, on 127.0.0.1 unless COCO_METRICS_HOST says otherwise). Labels are bounded sets only: step and
// tool names, outcomes, status codes, route templates; never ids. The Temporal SDK's runtime exports its
// own metrics on a loopback port of its own (src/infra/temporal.ts): a scrape fetches that text and
// serves it after ours. Each observation is a histogram bucket update or a counter add: cheap per token.
import http from 'node:http';
import net from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from './logger';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const latency = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

/** The metrics of the API and the worker (each process fills its own). */
export const metrics = {
  // worker: a reply's path
  firstToken: new Histogram({
    name: 'coco_first_token_seconds',
    help: 'From the API taking a message (_send) to the first answer token (response or think) published by the worker',
    buckets: latency,
    registers: [registry],
  }),
  tokenGap: new Histogram({
    name: 'coco_token_gap_seconds',
    help: 'Time between consecutive answer tokens from the model, as the worker publishes them',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  replyDuration: new Histogram({
    name: 'coco_reply_duration_seconds',
    help: 'From _send to reply_end, by how the reply ended',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300],
    registers: [registry],
  }),
  cancelToEnd: new Histogram({
    name: 'coco_cancel_to_end_seconds',
    help: 'From a cancel notice reaching the worker running the reply to its reply_end',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  stepDuration: new Histogram({
    name: 'coco_step_duration_seconds',
    help: 'Duration of each step (Temporal activity) run by this worker, by step name and outcome (ok|error)',
    labelNames: ['step', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  }),
  turns: new Counter({
    name: 'coco_turns_total',
    help: 'Replies ended (reply_end sent), by outcome: completed|user_cancelled|error|timeout',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  providerErrors: new Counter({
    name: 'coco_provider_errors_total',
    help: 'Failed model calls, by HTTP status of the provider (or timeout|connection|other)',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  toolCalls: new Counter({
    name: 'coco_tool_calls_total',
    help: 'Tool calls, by tool (builtin name, or mcp) and outcome (ok|error|cancelled)',
    labelNames: ['tool', 'outcome'] as const,
    registers: [registry],
  }),
  mcpConnects: new Counter({
    name: 'coco_mcp_connects_total',
    help: 'Connections opened to MCP servers, by transport (stdio|sse|streamable_http) and outcome (ok|error)',
    labelNames: ['transport', 'outcome'] as const,
    registers: [registry],
  }),
  repliesActive: new Gauge({ name: 'coco_replies_active', help: 'Answers this worker is streaming now', registers: [registry] }),
  // API
  httpResponses: new Counter({
    name: 'coco_http_responses_total',
    help: 'HTTP responses of the API, by method, route template (unmatched: no route) and status class',
    labelNames: ['method', 'route', 'class'] as const,
    registers: [registry],
  }),
  websockets: new Gauge({ name: 'coco_websockets_open', help: 'WebSockets open on this API instance', registers: [registry] }),
  turnsQueued: new Gauge({ name: 'coco_turns_queued', help: 'Turns waiting for a start slot of this API instance (admission queue)', registers: [registry] }),
  turnsStarting: new Gauge({ name: 'coco_turns_starting', help: 'Turns this API instance is starting now (admission slots in use)', registers: [registry] }),
};

/** Seconds since `since` (ms since the epoch). */
export const secondsSince = (since: number) => Math.max(0, Date.now() - since) / 1000;

// ── cancel → reply_end ───────────────────────────────────────────────────────────────────────────────
// When a step of this worker heard a reply's cancel notice; reply_end observes and forgets it. Bounded:
// a reply that ends on another worker leaves its entry here until newer ones push it out.
const CANCEL_MEMORY = 1000;
const cancelsHeard = new Map<string, number>();

export function noteCancelHeard(replyId: string): void {
  if (cancelsHeard.has(replyId)) return;
  if (cancelsHeard.size >= CANCEL_MEMORY) cancelsHeard.delete(cancelsHeard.keys().next().value as string);
  cancelsHeard.set(replyId, Date.now());
}

/** A reply's reply_end was sent: counts its outcome and observes its durations. */
export function noteReplyEnd(replyId: string, outcome: string, sentAt: number | undefined): void {
  metrics.turns.inc({ outcome });
  if (sentAt !== undefined) metrics.replyDuration.observe({ outcome }, secondsSince(sentAt));
  const heard = cancelsHeard.get(replyId);
  if (heard !== undefined) {
    cancelsHeard.delete(replyId);
    if (outcome === 'user_cancelled') metrics.cancelToEnd.observe(secondsSince(heard));
  }
}

// ── the text of a scrape ─────────────────────────────────────────────────────────────────────────────
let sdkMetricsUrl: string | undefined;
const SDK_SCRAPE_TIMEOUT_MS = 2000;

/** Where the Temporal SDK's runtime serves its metrics (set when the runtime is installed with them). */
export function setTemporalSdkMetricsUrl(url: string): void {
  sdkMetricsUrl = url;
}

async function sdkMetricsText(): Promise<string> {
  if (!sdkMetricsUrl) return '';
  try {
    const res = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS) });
    if (!res.ok) return '';
    const text = await res.text();
    return text.endsWith('\n') || text === '' ? text : `${text}\n`;
  } catch {
    return ''; // the SDK's exporter did not answer in time: this scrape has our metrics only
  }
}

export const METRICS_CONTENT_TYPE = registry.contentType;

/** Prometheus text: this process's metrics, then the Temporal SDK runtime's (if exported). */
export async function metricsText(): Promise<string> {
  const [own, sdk] = await Promise.all([registry.metrics(), sdkMetricsText()]);
  return sdk ? `${own}\n${sdk}` : own;
}

/** A free TCP port on 127.0.0.1 (for the SDK's exporter, which cannot tell which port it bound). */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/** The plain listener: GET /metrics without authentication, on 127.0.0.1 unless told (port 0: any free port). */
export function serveMetrics(port: number, host = '127.0.0.1'): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE }).end(text),
      (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * The plain listener of COCO_METRICS_PORT (API) or COCO_WORKER_METRICS_PORT (worker), when set. One that
 * cannot listen is logged, not fatal: chats go on without it.
 */
export async function startMetricsListener(port: number | undefined, host: string, logger: Logger): Promise<MetricsListener | undefined> {
  if (port === undefined) return undefined;
  try {
    const listener = await serveMetrics(port, host);
    logger.info({ host, port: listener.port }, 'metrics listening');
    return listener;
  } catch (err) {
    logger.error({ err: (err as Error).message, port }, 'metrics listener failed to start');
    return undefined;
  }
}
