// A worker SIGKILLed in the middle of an answer: another worker continues it. The client sees one
// answer with no repeated text and a gap-free seq, and the saved message is whole.
import type { ChildProcess } from 'node:child_process';
import { ChatEnv, connectWs, endReason, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { startWebFixtures, WebFixtures } from '../helpers/web-fixtures';
import { startWorkerProcess as startWorker } from '../helpers/worker-process';

let env: ChatEnv;
const workers: ChildProcess[] = [];

async function startWorkerProcess(): Promise<ChildProcess> {
  const child = await startWorker(env.env);
  workers.push(child);
  return child;
}

let web: WebFixtures;
beforeAll(async () => {
  web = await startWebFixtures();
  env = await startChatEnv('crash', { COCO_SCRAPER_ALLOW_PRIVATE: 'true' }, { worker: false });
}, 60_000);
afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await env.close();
  await web.close();
});

afterEach(() => {
  // each test's workers are done with
  for (const w of workers.splice(0)) w.kill('SIGKILL');
  env.llm.routes.splice(0, env.llm.routes.length - 2); // keep chat-env's follow-up routes
});

/** A long answer of whole sentences (a model restating "the sentence it was in" repeats one of them). */
const LONG_ANSWER = Array.from({ length: 30 }, (_, i) => `Sentence ${i} explains step ${i} of durable execution.`).join(' ');

/** The built-in provider, set to continue answers the given way. */
async function setContinuation(mode: string) {
  const current = (await env.api.request('GET', '/model_provider/coco')).body._source;
  const { id: _id, created: _c, updated: _u, builtin: _b, ...fields } = current;
  const res = await env.api.request('PUT', '/model_provider/coco', { ...fields, continuation: mode });
  expect(res.status).toBe(200);
}

// The model server answers as providers do (see Convention in test/helpers/fake-llm.ts): what it streams
// depends on how it is asked, never on the words our code uses.
describe.each([
  ['prefill', 'prefill'],
  ['instruction', 'instruction'],
  ['instruction', 'seam'],
] as const)('a provider set to %s, a model that continues by %s', (mode, convention) => {
  it('continues an answer on another worker after SIGKILL with exactly the model\'s text', async () => {
    await setContinuation(mode);
    const full = tokensOf(LONG_ANSWER);
    const before = env.llm.requests.length;
    env.llm.fallback = (req) => {
      // The first attempt streams slowly (the worker dies in it); a continuation comes fast.
      const continued = (req.body.messages as Array<{ role: string }>).some((m) => m.role === 'assistant');
      return { answer: LONG_ANSWER, convention, delayMs: continued ? 2 : 25 };
    };

    const first = await startWorkerProcess();
    const ws = await connectWs(`ws://127.0.0.1:${env.api.server.apiPort}/ws`, env.api.token);
    const res = await env.api.request('POST', '/chat/_new', { message: 'a long answer that survives a crash' }, { 'WEBSOCKET-SESSION-ID': ws.id });
    const userMessageId = res.body.payload.id;

    const deadline = Date.now() + 20_000;
    while (ws.chunks.filter((c) => c.chunk_type === 'response').length < 25) {
      if (Date.now() > deadline) throw new Error('the answer did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    const seenBeforeCrash = responseText(ws.chunks);
    expect(seenBeforeCrash.length).toBeLessThan(LONG_ANSWER.length);

    await startWorkerProcess();
    const chunks = await ws.replyEnded(userMessageId, 60_000);
    expect(endReason(chunks)).toBe('completed');
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i + 1));
    expect(responseText(chunks)).toBe(full.join(''));
    expect(chunks.filter((c) => c.chunk_type === 'response' && c.message_chunk === '')).toHaveLength(1); // one opening marker

    const continuations = env.llm.requests.slice(before).filter((r) => (r.body.messages as Array<{ role: string }>).some((m) => m.role === 'assistant'));
    expect(continuations).toHaveLength(1);
    const asked = continuations[0]!.body.messages as Array<{ role: string; content: string }>;
    // prefill: the partial answer is the last message; instruction: a user message follows it.
    expect(asked.at(-1)!.role).toBe(mode === 'prefill' ? 'assistant' : 'user');
    const history = await env.api.request('GET', `/chat/${res.body._id}/_history`);
    expect(history.body.hits.hits[1]._source.message).toBe(LONG_ANSWER);
    ws.close();
  }, 120_000);
});

it('a worker killed after intent analysis resumes at the next step, without calling the intent model again', async () => {
  const kb = (await env.api.request('POST', '/datasource/', { name: 'kb' })).body._id;
  for (let i = 0; i < 8; i++) await env.api.request('POST', `/datasource/${kb}/_doc`, { title: `Durable note ${i}`, content: `durable execution note ${i}` });
  const a = (await env.api.request('POST', '/assistant/', { name: 'deep', type: 'deep_think', datasource: { ids: [kb] }, answering_model: { provider_id: 'coco', name: 'test-model' } })).body._id;
  const isIntent = (r: any) => String(r.body.messages.at(-1)?.content).includes('Reply with one JSON object inside <JSON>');
  const isPicking = (r: any) => String(r.body.messages.at(-1)?.content).includes('Choose at most 5 documents');
  env.llm.routes.unshift(
    { match: isIntent, script: () => ({ tokens: tokensOf('<JSON>{"intent":"durability","query":["durable execution"],"keyword":["durable"]}</JSON>') }) },
    // picking is slow, so the worker dies inside it, after intent analysis finished
    { match: isPicking, script: () => ({ tokens: tokensOf('<JSON>[] </JSON>'), delayMs: 3000 }) },
  );
  env.llm.fallback = () => ({ tokens: tokensOf('Durable answer.') });

  const first = await startWorkerProcess();
  const ws = await connectWs(`ws://127.0.0.1:${env.api.server.apiPort}/ws`, env.api.token);
  const res = await env.api.request('POST', `/chat/_new?assistant_id=${a}&search=true`, { message: 'tell me about durable execution' }, { 'WEBSOCKET-SESSION-ID': ws.id });
  const userMessageId = res.body.payload.id;
  await env.llm.waitForRequest(isPicking, 30_000);
  first.kill('SIGKILL');

  await startWorkerProcess();
  const chunks = await ws.replyEnded(userMessageId, 60_000);
  expect(endReason(chunks)).toBe('completed');
  expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i + 1));
  expect(env.llm.requests.filter(isIntent)).toHaveLength(1); // the intent step's result came from workflow history
  expect(env.llm.requests.filter(isPicking).length).toBeGreaterThanOrEqual(2); // the interrupted step ran again
  expect(chunks.filter((c) => c.chunk_type === 'pick_source' && c.message_chunk === '')).toHaveLength(1); // its marker sent once
  expect(responseText(chunks)).toBe('Durable answer.');
  ws.close();
}, 120_000);

it('a worker killed during tool iteration k resumes at k without repeating finished tool calls', async () => {
  const a = (
    await env.api.request('POST', '/assistant/', {
      name: 'tools',
      answering_model: { provider_id: 'coco', name: 'test-model' },
      tools: { enabled: true, builtin: { scraper: true } },
      mcp_servers: { max_iterations: 5 },
    })
  ).body._id;
  const isToolStep = (r: any) => Array.isArray(r.body.tools) && r.body.stream !== true;
  const scrape = (id: string, page: string) => ({ id, name: 'scraper', arguments: JSON.stringify({ url: `${web.url}${page}` }) });
  env.llm.routes.unshift({
    match: isToolStep,
    script: (r) => {
      const done = (r.body.messages as Array<{ role: string }>).filter((m) => m.role === 'tool').length;
      if (done === 0) return { toolCalls: [scrape('one', '/page-first')] }; // iteration 1
      if (done === 1) return { toolCalls: [scrape('two', '/page-second?delay=4000')] }; // iteration 2: slow
      return { tokens: ['both pages read'] };
    },
  });
  env.llm.fallback = () => ({ tokens: tokensOf('Tool answer.') });

  const first = await startWorkerProcess();
  const ws = await connectWs(`ws://127.0.0.1:${env.api.server.apiPort}/ws`, env.api.token);
  const res = await env.api.request('POST', `/chat/_new?assistant_id=${a}&mcp=true`, { message: 'read two pages' }, { 'WEBSOCKET-SESSION-ID': ws.id });
  const deadline = Date.now() + 30_000;
  while (!web.hits.get('/page-second')) {
    if (Date.now() > deadline) throw new Error('iteration 2 did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  first.kill('SIGKILL'); // inside iteration 2's tool call

  await startWorkerProcess();
  const chunks = await ws.replyEnded(res.body.payload.id, 60_000);
  expect(endReason(chunks)).toBe('completed');
  expect(web.hits.get('/page-first')).toBe(1); // iteration 1's call is not repeated
  expect(web.hits.get('/page-second')).toBe(2); // the interrupted call ran again
  expect(env.llm.requests.filter(isToolStep)).toHaveLength(3); // no model step repeated
  const toolCalls = chunks.filter((c) => c.tool_call_message_chunk).map((c) => JSON.parse(c.tool_call_message_chunk!).name);
  expect(toolCalls).toEqual(['scraper', 'scraper']);
  expect(responseText(chunks)).toBe('Tool answer.');
  ws.close();
}, 120_000);
