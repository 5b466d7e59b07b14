// MCP clients, pooled per worker: one connection per server (per version of its config), opened on
// first use with a bounded connect time, closed after idling, dropped and reopened after any failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Logger } from '../infra/logger';
import { metrics } from '../infra/metrics';
import type { McpServerConfig } from '../shared/tools';
import type { ToolsConfig } from '../config';
import { ToolError } from './types';

export type { McpServerConfig };

export interface McpTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

interface Entry {
  version: string;
  client: Promise<Client>;
  lastUsed: number;
  tools?: McpTool[];
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ToolError(`${what} timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** An MCP tool result as text for the model. */
export function resultText(result: { content?: unknown; structuredContent?: unknown; isError?: boolean }): string {
  const parts = ((result.content as Array<{ type: string; text?: string; resource?: { text?: string; uri?: string } }>) ?? []).map((c) =>
    c.type === 'text' ? (c.text ?? '') : c.type === 'resource' ? (c.resource?.text ?? `[resource ${c.resource?.uri ?? ''}]`) : `[${c.type}]`,
  );
  if (parts.length === 0 && result.structuredContent) parts.push(JSON.stringify(result.structuredContent));
  const text = parts.join('\n');
  return result.isError ? `Error: ${text}` : text;
}

export class McpPool {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly cfg: ToolsConfig['mcp'],
    private readonly logger: Logger,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(cfg.idleMs, 60_000)));
    this.sweeper.unref();
  }

  /** Connections open or opening. */
  get size(): number {
    return this.entries.size;
  }

  async listTools(server: McpServerConfig): Promise<McpTool[]> {
    const entry = this.entry(server);
    if (entry.tools) return entry.tools;
    try {
      const client = await entry.client;
      const res = await client.listTools(undefined, { timeout: this.cfg.callTimeoutMs });
      entry.tools = res.tools.map((t) => ({ name: t.name, description: t.description ?? '', inputSchema: t.inputSchema as Record<string, unknown> }));
      return entry.tools;
    } catch (err) {
      await this.drop(server.id);
      throw err;
    }
  }

  async callTool(server: McpServerConfig, name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    const entry = this.entry(server);
    try {
      const client = await entry.client;
      const res = await client.callTool({ name, arguments: args }, undefined, { timeout: this.cfg.callTimeoutMs, signal });
      entry.lastUsed = Date.now();
      return resultText(res as Parameters<typeof resultText>[0]);
    } catch (err) {
      // A broken or hung connection is not reused: the next call reconnects.
      await this.drop(server.id);
      throw err;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.entries.keys()].map((id) => this.drop(id)));
  }

  private entry(server: McpServerConfig): Entry {
    let entry = this.entries.get(server.id);
    if (entry && entry.version !== server.version) {
      void this.drop(server.id);
      entry = undefined;
    }
    if (!entry) {
      this.makeRoom();
      const client = withTimeout(this.connect(server), this.cfg.connectTimeoutMs, `connecting to MCP server ${server.name}`);
      entry = { version: server.version, client, lastUsed: Date.now() };
      const transport = server.type === 'stdio' || server.type === 'sse' ? server.type : 'streamable_http';
      client.then(
        () => metrics.mcpConnects.inc({ transport, outcome: 'ok' }),
        () => {
          metrics.mcpConnects.inc({ transport, outcome: 'error' });
          if (this.entries.get(server.id) === entry) this.entries.delete(server.id);
        },
      );
      this.entries.set(server.id, entry);
    }
    entry.lastUsed = Date.now();
    return entry;
  }

  /** At the bound, the least recently used connection closes (a call still using it reconnects next time). */
  private makeRoom(): void {
    while (this.entries.size >= this.cfg.maxConnections) {
      let oldest: [string, Entry] | undefined;
      for (const e of this.entries) if (!oldest || e[1].lastUsed < oldest[1].lastUsed) oldest = e;
      if (!oldest) return;
      void this.drop(oldest[0]); // removed from the map at once; the close runs on its own
    }
  }

  private async connect(server: McpServerConfig): Promise<Client> {
    const client = new Client({ name: 'coco-durable-server', version: '0.1.0' });
    const transport =
      server.type === 'stdio'
        ? new StdioClientTransport({ command: server.command ?? '', args: server.args ?? [], env: { ...getDefaultEnvironment(), ...(server.env ?? {}) }, stderr: 'ignore' })
        : server.type === 'sse'
          ? new SSEClientTransport(new URL(server.url ?? ''))
          : new StreamableHTTPClientTransport(new URL(server.url ?? ''));
    try {
      await client.connect(transport);
    } catch (err) {
      await transport.close().catch(() => undefined);
      throw err;
    }
    this.logger.debug({ server: server.id }, 'MCP server connected');
    return client;
  }

  private async drop(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    const client = await entry.client.catch(() => undefined);
    await client?.close().catch(() => undefined);
  }

  private sweep() {
    const now = Date.now();
    for (const [id, e] of this.entries) if (now - e.lastUsed > this.cfg.idleMs) void this.drop(id);
  }
}
