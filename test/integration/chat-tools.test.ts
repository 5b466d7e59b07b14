// Tools in the reply: builtins against local pages, real MCP servers (server-everything over stdio and
// streamable HTTP), a failing and a hanging server, cancel during a tool call, and SSRF refusal.
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { scrape } from '../../src/tools/builtin/web';
import { loadConfig } from '../../src/config';
import { ChatEnv, endReason, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { RecordedRequest, Script, tokensOf } from '../helpers/fake-llm';
import { startWebFixtures, WebFixtures } from '../helpers/web-fixtures';

const EVERYTHING = path.resolve(__dirname, '..', '..', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
let env: ChatEnv;
let web: WebFixtures;
let httpServer: ChildProcess;
const HTTP_PORT = 17_950 + Math.floor(Math.random() * 40);

const isToolStep = (r: RecordedRequest) => Array.isArray(r.body.tools) && r.body.stream !== true;
const toolResults = (r: RecordedRequest) => (r.body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'tool');

/** Scripts the tool steps: each call of `plan` answers one step, given the tool results so far. */
function planTools(plan: (results: string[], r: RecordedRequest) => Script) {
  env.llm.routes.unshift({ match: isToolStep, script: (r) => plan(toolResults(r).map((m) => m.content), r) });
}

async function chat(path: string, message: string) {
  const lines = await readNdjson(await postStream(env.api, path, { message }));
  return { first: lines[0], chunks: lines.slice(1) };
}

const toolChunks = (chunks: any[]) => chunks.filter((c) => c.chunk_type === 'tools');
const calls = (chunks: any[]) => toolChunks(chunks).filter((c) => c.tool_call_message_chunk).map((c) => JSON.parse(c.tool_call_message_chunk));

beforeAll(async () => {
  web = await startWebFixtures();
  env = await startChatEnv('tools', {
    COCO_TOOLS_WIKIPEDIA_URL: web.url,
    COCO_TOOLS_DUCKDUCKGO_URL: web.url,
    COCO_SCRAPER_ALLOW_PRIVATE: 'true',
    COCO_MCP_CONNECT_TIMEOUT_MS: '3000',
    COCO_MCP_CALL_TIMEOUT_MS: '5000',
    // The test's stdio server runs with this very node binary, by its full path.
    COCO_MCP_STDIO_COMMANDS: `npx,${process.execPath}`,
  });
  env.llm.fallback = (r) => ({ tokens: tokensOf(`Answer using: ${String(r.body.messages.at(-1).content).includes('Tools Output') ? 'tools' : 'nothing'}`) });
  httpServer = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(HTTP_PORT) }, stdio: 'ignore' });
}, 60_000);
afterEach(() => {
  env.llm.routes.splice(0, env.llm.routes.length - 2); // keep chat-env's follow-up routes
});
afterAll(async () => {
  httpServer?.kill();
  await env.close();
  await web.close();
});

async function toolAssistant(builtin: Record<string, boolean>, mcpIds: string[] = []) {
  const res = await env.api.request('POST', '/assistant/', {
    name: 'tool user',
    answering_model: { provider_id: 'coco', name: 'test-model' },
    tools: { enabled: true, builtin },
    mcp_servers: { enabled: true, ids: mcpIds.length ? mcpIds : ['*'], max_iterations: 3 },
  });
  return res.body._id as string;
}

describe('builtin tools', () => {
  it('calculator: the call streams as a tools chunk, its output reaches the answer, the detail is saved', async () => {
    const a = await toolAssistant({ calculator: true });
    planTools((results) => (results.length === 0 ? { toolCalls: [{ name: 'calculator', arguments: '{"expression":"2 * (3 + 4) ^ 2"}' }] } : { tokens: [`The result is ${results[0]}.`] }));
    const { first, chunks } = await chat(`/chat/_create?assistant_id=${a}&mcp=true`, 'what is 2*(3+4)^2?');
    expect(calls(chunks)).toEqual([{ name: 'calculator', arguments: '{"expression":"2 * (3 + 4) ^ 2"}', result: '98' }]);
    const answerPrompt = String(env.pipelineRequests().filter((r) => !isToolStep(r)).at(-1)!.body.messages.at(-1).content);
    expect(answerPrompt).toContain('Tools Output:\nThe result is 98.');
    const step = env.pipelineRequests().filter(isToolStep).at(-1)!;
    expect(step.body.tools.map((t: any) => t.function.name)).toEqual(['calculator']);
    const saved = (await env.api.request('GET', `/chat/${first._id}/_history`)).body.hits.hits[1]._source;
    expect(saved.details.find((d: any) => d.type === 'tools')).toMatchObject({ order: 15, payload: [{ name: 'calculator', result: '98' }] });
  });

  it('no tools without mcp=true', async () => {
    const a = await toolAssistant({ calculator: true });
    const before = env.llm.requests.filter(isToolStep).length;
    const { chunks } = await chat(`/chat/_create?assistant_id=${a}`, 'what is 1+1?');
    expect(toolChunks(chunks)).toEqual([]);
    expect(env.llm.requests.filter(isToolStep).length).toBe(before);
  });

  it('wikipedia, duckduckgo and scraper against local pages', async () => {
    const a = await toolAssistant({ wikipedia: true, duckduckgo: true, scraper: true });
    planTools((results) =>
      results.length === 0
        ? {
            toolCalls: [
              { id: 'w', name: 'wikipedia', arguments: '{"query":"Temporal"}' },
              { id: 'd', name: 'duckduckgo', arguments: '{"query":"durable execution"}' },
              { id: 's', name: 'scraper', arguments: JSON.stringify({ url: `${web.url}/page-one` }) },
            ],
          }
        : { tokens: ['done'] },
    );
    const { chunks } = await chat(`/chat/_create?assistant_id=${a}&mcp=true`, 'look things up');
    const [wiki, ddg, page] = calls(chunks);
    expect(wiki.result).toBe('## Article about Temporal\nTemporal is a well-documented topic.');
    expect(ddg.result).toContain('1. Temporal: durable execution\n   https://example.test/temporal\n   Temporal makes code durable.');
    expect(page.result).toContain('The readable text of /page-one.');
    expect(page.result).not.toContain('secret');
    expect(page.result).not.toContain('menu');
  });

  it('the scraper refuses loopback and private addresses unless allowed', async () => {
    const strict = loadConfig({}).tools;
    await expect(scrape({ url: `${web.url}/page-x` }, strict)).rejects.toThrow(/refusing to fetch 127\.0\.0\.1: loopback/);
    await expect(scrape({ url: 'http://10.1.2.3/' }, strict)).rejects.toThrow(/private/);
    await expect(scrape({ url: 'http://[::1]:9/' }, strict)).rejects.toThrow(/loopback/);
    await expect(scrape({ url: 'file:///etc/passwd' }, strict)).rejects.toThrow(/unsupported URL scheme/);
    expect(web.hits.get('/page-x')).toBeUndefined();
  });

  it('_cancel during a tool call stops it and ends the reply as cancelled', async () => {
    const a = await toolAssistant({ scraper: true });
    planTools(() => ({ toolCalls: [{ name: 'scraper', arguments: JSON.stringify({ url: `${web.url}/page-slow?delay=8000` }) }] }));
    const started = Date.now();
    const res = await postStream(env.api, `/chat/_create?assistant_id=${a}&mcp=true`, { message: 'slow page please' });
    let cancelledAt = 0;
    const lines = await readNdjson(res, (line) => {
      if (line._id && !cancelledAt) {
        const sessionId = line._id;
        const poll = setInterval(() => {
          if ((web.hits.get('/page-slow') ?? 0) > 0) {
            clearInterval(poll);
            cancelledAt = Date.now();
            void env.api.request('POST', `/chat/${sessionId}/_cancel`);
          }
        }, 20);
      }
    });
    expect(endReason(lines.slice(1))).toBe('user_cancelled');
    expect(Date.now() - cancelledAt).toBeLessThan(3000);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

describe('MCP servers', () => {
  it('a stdio server (server-everything): its tools are offered and called', async () => {
    const server = (await env.api.request('POST', '/mcp_server/', { name: 'everything', type: 'stdio', config: { command: process.execPath, args: [EVERYTHING, 'stdio'] } })).body._id;
    const a = await toolAssistant({}, [server]);
    planTools((results, r) => {
      expect(r.body.tools.map((t: any) => t.function.name)).toContain('everything_echo');
      return results.length === 0 ? { toolCalls: [{ name: 'everything_echo', arguments: '{"message":"hello mcp"}' }] } : { tokens: [`echoed: ${results[0]}`] };
    });
    const { chunks } = await chat(`/chat/_create?assistant_id=${a}&mcp=true&mcp_servers=${server}`, 'echo something');
    expect(calls(chunks)).toEqual([{ name: 'everything_echo', arguments: '{"message":"hello mcp"}', result: 'Echo: hello mcp' }]);
    // without the server in mcp_servers, MCP is not used
    const before = env.llm.requests.filter(isToolStep).length;
    await chat(`/chat/_create?assistant_id=${a}&mcp=true`, 'echo again');
    expect(env.llm.requests.filter(isToolStep).length).toBe(before);
  }, 60_000);

  it('a streamable HTTP server, beside a failing and a hanging one that are skipped and reported', async () => {
    const ok = (await env.api.request('POST', '/mcp_server/', { name: 'remote', type: 'streamable_http', config: { url: `http://127.0.0.1:${HTTP_PORT}/mcp` } })).body._id;
    const down = (await env.api.request('POST', '/mcp_server/', { name: 'down', type: 'sse', config: { url: 'http://127.0.0.1:9/sse' } })).body._id;
    const hung = (await env.api.request('POST', '/mcp_server/', { name: 'hung', type: 'streamable_http', config: { url: web.hangUrl } })).body._id;
    const a = await toolAssistant({}, [ok, down, hung]);
    planTools((results) => (results.length === 0 ? { toolCalls: [{ name: 'remote_get-sum', arguments: '{"a":2,"b":3}' }] } : { tokens: [`sum: ${results[0]}`] }));
    const started = Date.now();
    const { chunks } = await chat(`/chat/_create?assistant_id=${a}&mcp=true&mcp_servers=${ok},${down},${hung}`, 'add 2 and 3');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(endReason(chunks)).toBe('completed');
    const [sum] = calls(chunks);
    expect(sum.name).toBe('remote_get-sum');
    expect(sum.result).toMatch(/5/);
    const notices = toolChunks(chunks).filter((c) => !c.tool_call_message_chunk).map((c) => c.message_chunk);
    expect(notices.some((n: string) => n.includes('MCP server down is unavailable'))).toBe(true);
    expect(notices.some((n: string) => n.includes('MCP server hung is unavailable'))).toBe(true);
    expect(responseText(chunks)).toBe('Answer using: tools');
  }, 60_000);
});
