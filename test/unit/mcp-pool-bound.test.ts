// The MCP pool keeps at most maxConnections open: a new server closes the least recently used one, which
// reconnects on its next use. Real stdio servers (server-everything), no mocks.
import path from 'node:path';
import { createLogger } from '../../src/infra/logger';
import { McpPool, type McpServerConfig } from '../../src/tools/mcp-pool';

const EVERYTHING = path.resolve(__dirname, '..', '..', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const server = (id: string): McpServerConfig => ({ id, name: id, type: 'stdio', command: process.execPath, args: [EVERYTHING], version: '1' });

let pool: McpPool;
afterEach(() => pool?.close());

it('closes the least recently used connection beyond the bound, and reconnects it when used again', async () => {
  pool = new McpPool({ connectTimeoutMs: 30_000, callTimeoutMs: 30_000, idleMs: 600_000, maxConnections: 2, stdioCommands: [process.execPath] }, createLogger('silent', 'test'));
  const [a, b, c] = [server('a'), server('b'), server('c')];
  expect((await pool.listTools(a)).map((t) => t.name)).toContain('echo');
  await pool.listTools(b);
  expect(pool.size).toBe(2);
  await pool.listTools(a); // a is now the most recently used: b goes next
  await pool.listTools(c);
  expect(pool.size).toBe(2);
  expect(await pool.callTool(a, 'echo', { message: 'still here' })).toContain('still here');
  expect(await pool.callTool(b, 'echo', { message: 'back again' })).toContain('back again'); // reconnected; c or a closed
  expect(pool.size).toBe(2);
}, 60_000);
