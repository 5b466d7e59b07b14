// The stdio MCP attack from issue 13: a non-admin token creating a stdio server whose command then runs on
// the worker. Now: 403 for users, 400 for a command not on COCO_MCP_STDIO_COMMANDS (naming it), and a
// server stored with such a command before the list existed is never run by the worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedUser, startTestApi } from '../helpers/api';
import { ChatEnv, postStream, readNdjson, endReason, startChatEnv } from '../helpers/chat-env';

let env: ChatEnv;
const marker = path.join(os.tmpdir(), `coco-stdio-attack-${process.pid}-${Date.now()}`);
const attack = { name: 'attack', type: 'stdio', config: { command: 'touch', args: [marker] } };

beforeAll(async () => {
  env = await startChatEnv('stdio-policy');
}, 60_000);
afterAll(async () => {
  await env.close();
  fs.rmSync(marker, { force: true });
});

it('refuses a stdio server to a user token (403) and a command not on the list to the admin (400)', async () => {
  const user = await seedUser(env.api, 'mallory');
  const asUser = await env.api.anonymous('POST', '/mcp_server/', attack, user.headers);
  expect(asUser.status).toBe(403);
  expect(asUser.body.error.reason).toBe('permission [mcp_server:write] not allowed');

  const asAdmin = await env.api.request('POST', '/mcp_server/', attack);
  expect(asAdmin.status).toBe(400);
  expect(asAdmin.body.error.reason).toBe('config.command: "touch" is not an allowed stdio command; COCO_MCP_STDIO_COMMANDS allows: npx, uvx, node');

  // Nor can an allowed server be turned into the attack by a PUT.
  const ok = await env.api.request('POST', '/mcp_server/', { name: 'fine', type: 'stdio', config: { command: 'npx', args: ['-y', 'some-server'] } });
  expect(ok.body.result).toBe('created');
  expect((await env.api.request('PUT', `/mcp_server/${ok.body._id}`, attack)).status).toBe(400);
  expect((await env.api.request('GET', `/mcp_server/${ok.body._id}`)).body._source.config.command).toBe('npx');
  expect(fs.existsSync(marker)).toBe(false);
});

it('never runs a stored stdio server whose command is not on the list', async () => {
  // As if stored before the list existed.
  const { models } = env.api.server.deps.mongo;
  await models.McpServer.create({ _id: 'legacy-attack', name: 'legacy', type: 'stdio', enabled: true, config: { command: 'touch', args: [marker], env: [] } });
  const res = await postStream(env.api, '/chat/_create?mcp=true&mcp_servers=legacy-attack', { message: 'use your tools' });
  const lines = await readNdjson(res);
  expect(endReason(lines.slice(1))).toBe('completed');
  await new Promise((r) => setTimeout(r, 500));
  expect(fs.existsSync(marker)).toBe(false);
});

it('turns stdio off when COCO_MCP_STDIO_COMMANDS is empty', async () => {
  const api = await startTestApi('stdio-off', { COCO_MCP_STDIO_COMMANDS: '' });
  try {
    const res = await api.request('POST', '/mcp_server/', { name: 'npx one', type: 'stdio', config: { command: 'npx' } });
    expect(res.status).toBe(400);
    expect(res.body.error.reason).toBe('config.command: stdio MCP servers are turned off on this server (COCO_MCP_STDIO_COMMANDS is empty)');
    // Remote servers are unaffected.
    expect((await api.request('POST', '/mcp_server/', { name: 'remote', type: 'sse', config: { url: 'http://127.0.0.1:9/sse' } })).body.result).toBe('created');
  } finally {
    await api.close();
  }
});
