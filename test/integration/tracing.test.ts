// OpenTelemetry tracing (src/infra/tracing.ts) on the real stack: the API and the worker export over OTLP/HTTP
// to a receiver in this test, which decodes what they send. One trace per turn, parent-linked: the HTTP span,
// the Temporal update, the workflow (run and update handler), the activity and the model call; the turn's log
// lines carry its trace id. Without OTEL_EXPORTER_OTLP_ENDPOINT nothing is traced or sent.
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { context, trace } from '@opentelemetry/api';
import zlib from 'node:zlib';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '../../src/infra/logger';
import { startTracing, tracingEnabled, tracingPropagation } from '../../src/infra/tracing';
import { workflowIdForSession } from '../../src/shared/chat';
import { ChatEnv, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { startWorkerProcess } from '../helpers/worker-process';

jest.setTimeout(120_000);

// The OTLP protobuf messages, as the exporter's own package compiled them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const otlp = require('@opentelemetry/otlp-transformer/build/src/generated/root').opentelemetry.proto;

interface ReceivedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  attributes: Record<string, unknown>;
  events: string[];
}

const hex = (b?: Uint8Array) => (b && b.length ? Buffer.from(b).toString('hex') : '');
const valueOf = (v: any) => v?.stringValue ?? (v?.intValue !== undefined && v?.intValue !== null ? Number(v.intValue) : (v?.boolValue ?? v?.doubleValue));

/** An OTLP/HTTP traces receiver (protobuf, gzip or not). */
async function startReceiver() {
  const spans: ReceivedSpan[] = [];
  let posts = 0;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      posts++;
      let body = Buffer.concat(parts);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      const msg = otlp.collector.trace.v1.ExportTraceServiceRequest.decode(body);
      for (const rs of msg.resourceSpans ?? []) {
        const service = valueOf((rs.resource?.attributes ?? []).find((a: any) => a.key === 'service.name')?.value);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              name: s.name,
              kind: s.kind,
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              service,
              attributes: Object.fromEntries((s.attributes ?? []).map((a: any) => [a.key, valueOf(a.value)])),
              events: (s.events ?? []).map((e: any) => e.name),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end(Buffer.from(otlp.collector.trace.v1.ExportTraceServiceResponse.encode({}).finish()));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, spans, posts: () => posts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Log lines as objects (the API's and the worker's). */
function lineSink() {
  const lines: any[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(JSON.parse(s)) } };
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; received: ${receiver.spans.map((s) => `${s.name} ${s.traceId.slice(0, 6)} ${s.spanId.slice(0, 6)}<-${s.parentSpanId.slice(0, 6)}`).join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Replays export nothing (sinks are not called in replay, but the worker wants them registered). */
const noExport = { exporter: { export: { fn: () => undefined } } };

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  it('a turn makes no spans, sends nothing and its log lines carry no trace id', async () => {
    const sink = lineSink();
    const env = await startChatEnv('tracing-off', {}, { logger: createLogger('info', 'test', sink.stream) });
    try {
      expect(env.api.server.deps.config.tracing.url).toBeUndefined();
      expect(tracingEnabled()).toBe(false);
      env.llm.queue.push({ tokens: tokensOf('untraced') });
      const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'no trace please' }));
      expect(responseText(lines.slice(1))).toBe('untraced');
      await waitFor('the reply finished line', () => sink.lines.find((l) => l.msg === 'reply finished'));
      expect(sink.lines.filter((l) => l.trace_id !== undefined)).toEqual([]);
    } finally {
      await env.close();
    }
    expect(receiver.posts()).toBe(0);
  });
});

describe('tracing on', () => {
  let env: ChatEnv;
  const sink = lineSink();
  beforeAll(async () => {
    env = await startChatEnv('tracing', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, { logger: createLogger('info', 'test', sink.stream) });
  }, 60_000);
  afterAll(() => env?.close());

  const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  /** The span named `name` whose parent is `parent` (exactly one). */
  const childOf = (parent: ReceivedSpan, name: string) => {
    const found = spansOf(parent.traceId).filter((s) => s.parentSpanId === parent.spanId && s.name === name);
    expect(found.map((s) => s.name)).toEqual([name]);
    return found[0]!;
  };

  it('one trace per turn: HTTP request → update → workflow → activity → model call, parent-linked; log lines carry it', async () => {
    expect(env.api.server.deps.config.tracing.url).toBe(`${receiver.url}/v1/traces`);
    expect(tracingEnabled()).toBe(true);
    env.llm.queue.push({ tokens: tokensOf('first answer') });
    const first = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'trace me' }));
    expect(responseText(first.slice(1))).toBe('first answer');
    const sessionId: string = first[0]._id;
    env.llm.queue.push({ tokens: tokensOf('second answer') });
    const second = await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'and again' }));
    expect(responseText(second.slice(1))).toBe('second answer');
    // The workflow's run span ends with the run: close the session and wait for it.
    expect((await env.api.request('POST', `/chat/${sessionId}/_close`)).status).toBe(200);
    await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).result();
    // Spans are exported in batches: flush them (a handle of this process's provider).
    const tracing = await startTracing(env.api.server.deps.config.tracing, 'test');
    const http1 = await waitFor('the first request span', () => {
      void tracing.flush();
      const s = receiver.spans.find((x) => x.name === 'POST /chat/_create');
      return s && spansOf(s.traceId).some((x) => x.name === 'RunWorkflow:chatSession') ? s : undefined;
    });
    const http2 = await waitFor('the second request span', () => {
      void tracing.flush();
      return receiver.spans.find((x) => x.name === 'POST /chat/:id/_chat' && spansOf(x.traceId).some((y) => y.name.startsWith('chat ')));
    });
    await tracing.flush();
    await tracing.shutdown();

    // Turn 1 started the session's workflow: update-with-start.
    expect(http1).toMatchObject({ kind: 2 /* SERVER */, parentSpanId: '', service: 'coco-api' });
    expect(http1.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/chat/_create', 'http.response.status_code': 200 });
    const updateWithStart = childOf(http1, 'UpdateWithStartWorkflow:sendMessage');
    childOf(updateWithStart, 'RunWorkflow:chatSession');
    const handle1 = childOf(updateWithStart, 'HandleUpdate:sendMessage');
    const start1 = childOf(handle1, 'StartActivity:beginReply');
    const run1 = childOf(start1, 'RunActivity:beginReply');
    expect(run1.attributes).toMatchObject({ temporalWorkflowId: workflowIdForSession(sessionId) });
    const model1 = childOf(run1, 'chat test-model');
    expect(model1).toMatchObject({ kind: 3 /* CLIENT */ });
    expect(model1.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'test-model', 'server.address': '127.0.0.1' });
    expect(model1.attributes['coco.deltas']).toBeGreaterThan(0);
    expect(model1.events).toEqual(['first token']);

    // Turn 2 went to the running workflow: a plain update, and a trace of its own.
    expect(http2.traceId).not.toBe(http1.traceId);
    expect(http2.parentSpanId).toBe('');
    const update2 = childOf(http2, 'StartWorkflowUpdate:sendMessage');
    const handle2 = childOf(update2, 'HandleUpdate:sendMessage');
    const run2 = childOf(childOf(handle2, 'StartActivity:beginReply'), 'RunActivity:beginReply');
    childOf(run2, 'chat test-model');
    // The run's span is in the first trace only; nothing of turn 2 went there.
    expect(spansOf(http2.traceId).map((s) => s.name)).not.toContain('RunWorkflow:chatSession');

    // The turns' log lines: the API's request line and the worker's reply line, each with its turn's trace.
    const requestLine = sink.lines.find((l) => l.msg === 'request' && l.path === '/chat/_create');
    expect(requestLine).toMatchObject({ trace_id: http1.traceId, span_id: http1.spanId });
    const replyLines = sink.lines.filter((l) => l.msg === 'reply finished' && l.session_id === sessionId);
    expect(replyLines.map((l) => l.trace_id)).toEqual([http1.traceId, http2.traceId]);
    expect(replyLines[0].span_id).toBe(run1.spanId);

    // A session traced this way replays with the tracing interceptors and without them (tracing switched off).
    const history = await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).fetchHistory();
    const dataConverter = env.api.server.deps.temporal.dataConverter;
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows'), dataConverter }, history, 'traced');
    await Worker.runReplayHistory(
      { workflowsPath: require.resolve('../../src/workflows'), dataConverter, interceptors: { workflowModules: [require.resolve('../../src/workflows/tracing')] }, sinks: noExport },
      history,
      'traced-with-interceptors',
    );
  });

  it('session histories written without tracing replay with the tracing interceptors', async () => {
    for (const version of ['v1', 'v2']) {
      const json = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', `chat-session-${version}.history.json`), 'utf8'));
      await Worker.runReplayHistory(
        { workflowsPath: require.resolve('../../src/workflows'), interceptors: { workflowModules: [require.resolve('../../src/workflows/tracing')] }, sinks: noExport },
        historyFromJSON(json),
        `chat-session-${version}`,
      );
    }
  });
});

// As deployed: the API and the worker in processes of their own. The API propagates its request's trace
// explicitly (no AsyncLocalStorage, whose per-promise cost showed in the first token): the chain must hold
// with nothing carrying the context through the API's awaits.
describe('tracing on, the worker in its own process', () => {
  let env: ChatEnv;
  let worker: ChildProcess | undefined;
  const sink = lineSink();
  beforeAll(async () => {
    env = await startChatEnv('tracing-procs', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, { worker: false, logger: createLogger('info', 'test', sink.stream) });
    worker = await startWorkerProcess(env.env);
  }, 90_000);
  afterAll(async () => {
    worker?.kill('SIGTERM');
    await env?.close();
  });

  it('the API holds no context across awaits, and a turn and its cancel still make one parent-linked trace', async () => {
    expect(tracingPropagation()).toBe('call');
    // Only what this test's processes send (the tests above left their spans in the receiver).
    const from = receiver.spans.length;
    const received = () => receiver.spans.slice(from);
    // The API's context manager keeps nothing across an await.
    const span = trace.getTracer('test').startSpan('probe');
    const seen = await context.with(trace.setSpan(context.active(), span), async () => {
      const before = trace.getActiveSpan();
      await new Promise((r) => setImmediate(r));
      return { before, after: trace.getActiveSpan() };
    });
    span.end();
    expect(seen.before).toBe(span);
    expect(seen.after).toBeUndefined();

    env.llm.queue.push({ tokens: tokensOf('answer from the other process') });
    const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'trace across processes' }));
    expect(responseText(lines.slice(1))).toBe('answer from the other process');
    const sessionId: string = lines[0]._id;
    expect((await env.api.request('POST', `/chat/${sessionId}/_cancel`)).status).toBe(200);
    const tracing = await startTracing(env.api.server.deps.config.tracing, 'test', 'call');
    const request = await waitFor('the request span with its model call', () => {
      void tracing.flush();
      return received().find((x) => x.name === 'POST /chat/_create' && received().some((y) => y.traceId === x.traceId && y.name === 'chat test-model'));
    });
    const cancel = await waitFor('the cancel request span', () => {
      void tracing.flush();
      return received().find((x) => x.name === 'POST /chat/:id/_cancel' && received().some((y) => y.traceId === x.traceId && y.name === 'SignalWorkflow:cancel'));
    });
    await tracing.shutdown();
    const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
    const childOf = (parent: ReceivedSpan, name: string) => {
      const found = spansOf(parent.traceId).filter((s) => s.parentSpanId === parent.spanId && s.name === name);
      expect(found.map((s) => s.name)).toEqual([name]);
      return found[0]!;
    };
    const update = childOf(request, 'UpdateWithStartWorkflow:sendMessage');
    expect(update.service).toBe('coco-api');
    const handle = childOf(update, 'HandleUpdate:sendMessage');
    expect(handle.service).toBe('coco-worker');
    const run = childOf(childOf(handle, 'StartActivity:beginReply'), 'RunActivity:beginReply');
    childOf(run, 'chat test-model');
    // The cancel's signal continues the cancel request's trace, not the turn's.
    expect(cancel.traceId).not.toBe(request.traceId);
    childOf(cancel, 'SignalWorkflow:cancel');
    // The API's request line carries its request's trace, bound to the request's logger.
    const requestLine = sink.lines.find((l) => l.msg === 'request' && l.path === '/chat/_create');
    expect(requestLine).toMatchObject({ trace_id: request.traceId, span_id: request.spanId });
  });
});
