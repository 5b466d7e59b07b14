// Prometheus metrics on the real stack: /metrics before and after a few turns (completed, cancelled,
// provider error, tool calls with a builtin and an MCP server, an MCP server that is down): every counter
// and histogram moved by what those turns did; the text parses with Prometheus' own text-format parser; /metrics needs the `metrics` permission; the COCO_METRICS_PORT listeners
// of the API and the worker answer on 127.0.0.1 without a token, the worker's with the Temporal SDK's own
// metrics.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedUser } from '../helpers/api';
import { ChatEnv, connectWs, endReason, postStream, readNdjson, startChatEnv } from '../helpers/chat-env';
import { RecordedRequest, tokensOf } from '../helpers/fake-llm';

const EVERYTHING = path.resolve(__dirname, '..', '..', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');

let env: ChatEnv;
beforeAll(async () => {
  buildPromcheck();
  env = await startChatEnv('metrics', { COCO_METRICS_PORT: '0', COCO_MCP_CONNECT_TIMEOUT_MS: '5000', COCO_MCP_STDIO_COMMANDS: `npx,${process.execPath}` });
}, 60_000);
afterAll(async () => {
  await env.close();
  if (promcheck) fs.rmSync(path.dirname(promcheck), { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── reading the text ────────────────────────────────────────────────────────────────────────────────
// The text is parsed by the Prometheus Go libraries' own parser (expfmt, test/helpers/promcheck): a
// malformed line, a bad name, a family twice, a TYPE after its samples, an inconsistent histogram fail it.
interface Family {
  name: string;
  type: string;
  /** Sample values as written (`NaN`, `+Inf` too): see num(). */
  metrics: Array<{ labels: Record<string, string>; value?: string; buckets?: Record<string, number>; count?: number; sum?: string }>;
}

const PROMCHECK = path.resolve(__dirname, '..', 'helpers', 'promcheck');
let promcheck = '';

function buildPromcheck() {
  const go = ['go', '/usr/local/go/bin/go'].find((g) => spawnSync(g, ['version']).status === 0);
  if (!go) throw new Error('the metrics test parses /metrics with a Go helper: Go is needed');
  promcheck = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'promcheck-')), 'promcheck');
  const built = spawnSync(go, ['build', '-mod=readonly', '-o', promcheck, '.'], { cwd: PROMCHECK, encoding: 'utf8', env: { ...process.env, GOFLAGS: '' } });
  if (built.status !== 0) throw new Error(`building test/helpers/promcheck failed: ${built.stderr}`);
}

const num = (v: string | undefined) => (v === undefined ? 0 : v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));

function parse(text: string): Family[] {
  const run = spawnSync(promcheck, [], { input: text, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`/metrics is not valid Prometheus text: ${run.stderr}`);
  const families = JSON.parse(run.stdout) as Family[];
  // What the parser keeps but a scrape should not have: a histogram whose +Inf bucket is not its count.
  const problems = families
    .filter((f) => f.type === 'HISTOGRAM')
    .flatMap((f) => f.metrics.filter((m) => m.buckets?.['+Inf'] !== m.count).map((m) => `${f.name} ${JSON.stringify(m.labels)}`));
  expect(problems).toEqual([]);
  return families;
}

class Scrape {
  constructor(readonly families: Family[]) {}

  private series(name: string, labels: Record<string, string>) {
    const family = this.families.find((f) => f.name === name);
    return family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  }

  has(name: string): boolean {
    return this.families.some((f) => f.name === name);
  }

  /** A counter's or gauge's value (0 when the series does not exist yet). */
  value(name: string, labels: Record<string, string> = {}): number {
    return num(this.series(name, labels)?.value);
  }

  /** A histogram's observation count (0 when the series does not exist yet). */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.series(name, labels)?.count ?? 0;
  }
}

async function scrape(url = `${env.api.url}/metrics`, headers: Record<string, string> = { 'X-API-TOKEN': env.api.token }): Promise<Scrape> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Scrape(parse(await res.text()));
}

// ── the turns ────────────────────────────────────────────────────────────────────────────────────────
const isToolStep = (r: RecordedRequest) => Array.isArray(r.body.tools) && r.body.stream !== true;
const ANSWER = tokensOf('one two three four five six');
const LONG = tokensOf(Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '));

async function create(pathAndQuery: string, message: string, onLine?: (line: any) => void) {
  const lines = await readNdjson(await postStream(env.api, pathAndQuery, { message }), onLine);
  return lines.slice(1);
}

describe('/metrics', () => {
  it('moves every counter and histogram by what a few turns did', async () => {
    // The tool turn's assistant and servers first (their own requests are not what is measured below).
    const everything = (await env.api.request('POST', '/mcp_server/', { name: 'everything', type: 'stdio', config: { command: process.execPath, args: [EVERYTHING, 'stdio'] } })).body._id;
    const down = (await env.api.request('POST', '/mcp_server/', { name: 'down', type: 'sse', config: { url: 'http://127.0.0.1:9/sse' } })).body._id;
    const assistant = (
      await env.api.request('POST', '/assistant/', {
        name: 'tool user',
        answering_model: { provider_id: 'coco', name: 'test-model' },
        tools: { enabled: true, builtin: { calculator: true } },
        mcp_servers: { enabled: true, ids: [everything, down], max_iterations: 3 },
      })
    ).body._id;

    const before = await scrape();
    expect(before.value('coco_replies_active')).toBe(0);

    // 1. completed
    env.llm.queue.push({ tokens: ANSWER, delayMs: 5 });
    expect(endReason(await create('/chat/_create', 'a plain question'))).toBe('completed');

    // 2. cancelled while it streams (the worker's active replies seen meanwhile)
    env.llm.queue.push({ tokens: LONG, delayMs: 20 });
    let cancel: Promise<unknown> | undefined;
    let during: Promise<Scrape> | undefined;
    const cancelled = await create('/chat/_create', 'a long answer please', (line) => {
      if (!cancel && line.chunk_type === 'response' && line.chunk_sequence === 3) {
        during = scrape();
        cancel = during.then(() => env.api.request('POST', `/chat/${line.session_id}/_cancel?message_id=${line.reply_to_message}`));
      }
    });
    expect(endReason(cancelled)).toBe('user_cancelled');
    expect((await during!).value('coco_replies_active')).toBe(1);
    await cancel;
    const cancelledTokens = cancelled.filter((c: any) => c.chunk_type === 'response' && c.message_type === 'assistant' && c.message_chunk !== '').length;

    // 3. provider error
    env.llm.queue.push({ status: 401 });
    expect(endReason(await create('/chat/_create', 'fail please'))).toBe('error');

    // 4. tools: the calculator and an MCP tool in one model step, an MCP server that is down
    env.llm.routes.unshift({
      match: isToolStep,
      script: (r) =>
        r.body.messages.some((m: any) => m.role === 'tool')
          ? { tokens: ['done'] }
          : { toolCalls: [{ name: 'calculator', arguments: '{"expression":"6 * 7"}' }, { name: 'everything_echo', arguments: '{"message":"hi"}' }] },
    });
    env.llm.queue.push({ tokens: ANSWER });
    const tools = await create(`/chat/_create?assistant_id=${assistant}&mcp=true&mcp_servers=${everything},${down}`, 'use tools');
    env.llm.routes.shift();
    expect(endReason(tools)).toBe('completed');
    expect(tools.filter((c: any) => c.tool_call_message_chunk).map((c: any) => JSON.parse(c.tool_call_message_chunk).result)).toEqual(['42', 'Echo: hi']);

    // 5. HTTP errors: a 404 on a route with an id, a 401 and a 403 on /metrics
    expect((await env.api.request('GET', '/chat/no-such-session/_history')).status).toBe(404);
    expect((await env.api.anonymous('GET', '/metrics')).status).toBe(401);
    const user = await seedUser(env.api, 'metrics-user');
    expect((await env.api.anonymous('GET', '/metrics', undefined, user.headers)).status).toBe(403);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    const deltaCount = (name: string, labels: Record<string, string> = {}) => after.count(name, labels) - before.count(name, labels);

    // turns by outcome, and the reply's durations with them
    for (const [outcome, n] of [['completed', 2], ['user_cancelled', 1], ['error', 1], ['timeout', 0]] as const) {
      expect([outcome, delta('coco_turns_total', { outcome })]).toEqual([outcome, n]);
      expect([outcome, deltaCount('coco_reply_duration_seconds', { outcome })]).toEqual([outcome, n]);
    }
    // first token: each answer that streamed (not the provider error); token gaps: one fewer than tokens per answer
    expect(deltaCount('coco_first_token_seconds')).toBe(3);
    expect(deltaCount('coco_token_gap_seconds')).toBeGreaterThanOrEqual(2 * (ANSWER.length - 1) + (cancelledTokens - 1));
    expect(deltaCount('coco_cancel_to_end_seconds')).toBe(1);
    expect(delta('coco_provider_errors_total', { status: '401' })).toBe(1);
    // tools and MCP
    expect(delta('coco_tool_calls_total', { tool: 'calculator', outcome: 'ok' })).toBe(1);
    expect(delta('coco_tool_calls_total', { tool: 'mcp', outcome: 'ok' })).toBe(1);
    expect(delta('coco_mcp_connects_total', { transport: 'stdio', outcome: 'ok' })).toBe(1);
    expect(delta('coco_mcp_connects_total', { transport: 'sse', outcome: 'error' })).toBe(1);
    // steps by name
    expect(deltaCount('coco_step_duration_seconds', { step: 'beginReply', outcome: 'ok' })).toBe(3);
    expect(deltaCount('coco_step_duration_seconds', { step: 'beginReply', outcome: 'error' })).toBe(1);
    expect(deltaCount('coco_step_duration_seconds', { step: 'listTools', outcome: 'ok' })).toBe(1);
    expect(deltaCount('coco_step_duration_seconds', { step: 'toolModelStep', outcome: 'ok' })).toBe(2);
    expect(deltaCount('coco_step_duration_seconds', { step: 'callTool', outcome: 'ok' })).toBe(2);
    expect(deltaCount('coco_step_duration_seconds', { step: 'answer', outcome: 'ok' })).toBe(1);
    // HTTP by route template and class: never a raw path with an id
    expect(delta('coco_http_responses_total', { method: 'POST', route: '/chat/_create', class: '2xx' })).toBe(4);
    expect(delta('coco_http_responses_total', { method: 'POST', route: '/chat/:id/_cancel', class: '2xx' })).toBe(1);
    expect(delta('coco_http_responses_total', { method: 'GET', route: '/chat/:id/_history', class: '4xx' })).toBe(1);
    expect(delta('coco_http_responses_total', { method: 'GET', route: '/metrics', class: '4xx' })).toBe(2);
    const routes = after.families.find((f) => f.name === 'coco_http_responses_total')!.metrics.map((m) => m.labels!.route!);
    expect(routes.filter((r) => r.includes('no-such-session'))).toEqual([]);
    // gauges
    expect(after.value('coco_replies_active')).toBe(0);
    expect(after.has('coco_turns_queued')).toBe(true);
    expect(after.has('coco_turns_starting')).toBe(true);
  });

  it('counts open WebSockets', async () => {
    const before = (await scrape()).value('coco_websockets_open');
    const ws = await connectWs(`ws://127.0.0.1:${env.api.server.apiPort}/ws`, env.api.token);
    expect((await scrape()).value('coco_websockets_open')).toBe(before + 1);
    ws.close();
    const deadline = Date.now() + 5000;
    while ((await scrape()).value('coco_websockets_open') !== before && Date.now() < deadline) await sleep(50);
    expect((await scrape()).value('coco_websockets_open')).toBe(before);
  });

  it('needs the metrics permission: anonymous 401, a user 403', async () => {
    expect((await env.api.anonymous('GET', '/metrics')).status).toBe(401);
    const user = await seedUser(env.api, 'metrics-user-2');
    const res = await env.api.anonymous('GET', '/metrics', undefined, user.headers);
    expect(res.status).toBe(403);
    expect(res.body.error.reason).toBe('permission [metrics] not allowed');
  });

  it('serves the plain listeners on 127.0.0.1 without a token; the worker with the Temporal SDK metrics', async () => {
    const apiPort = env.api.server.metricsPort!;
    const workerPort = env.worker.metricsPort!;
    expect(apiPort).toBeGreaterThan(0);
    expect(workerPort).toBeGreaterThan(0);
    expect(workerPort).not.toBe(apiPort);
    const api = await scrape(`http://127.0.0.1:${apiPort}/metrics`, {});
    expect(api.has('coco_http_responses_total')).toBe(true);
    const worker = await scrape(`http://127.0.0.1:${workerPort}/metrics`, {});
    expect(worker.has('coco_step_duration_seconds')).toBe(true);
    expect(worker.has('process_cpu_seconds_total')).toBe(true);
    // The SDK runtime's own: worker slots, polls, sticky cache.
    const sdk = worker.families.map((f) => f.name).filter((n) => n.startsWith('temporal_'));
    expect(sdk).toEqual(expect.arrayContaining(['temporal_worker_task_slots_available', 'temporal_sticky_cache_size']));
    expect(sdk.some((n) => n.includes('poll'))).toBe(true);
    expect((await fetch(`http://127.0.0.1:${workerPort}/other`)).status).toBe(404);
  });
});
