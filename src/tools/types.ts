// Tools the reply can call: builtins and MCP servers' tools, described for native function calling.

export interface ToolSpec {
  /** Function name shown to the model: [a-zA-Z0-9_-], at most 64 characters, unique in the turn. */
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  kind: 'builtin' | 'mcp';
  /** For MCP tools: which server, and the tool's own name there. */
  serverId?: string;
  toolName: string;
}

export interface ToolCallRequest {
  id: string;
  name: string;
  /** JSON text, as the model wrote it. */
  arguments: string;
}

export interface ToolCallRecord {
  name: string;
  arguments: string;
  result: string;
  error?: boolean;
}

export interface ToolsConfig {
  wikipediaUrl: string;
  duckduckgoUrl: string;
  scraper: { allowPrivate: boolean; maxBytes: number; timeoutMs: number };
  mcp: { connectTimeoutMs: number; callTimeoutMs: number; idleMs: number };
  /** Tool results are cut to this many characters before they reach the model. */
  maxResultChars: number;
}

export class ToolError extends Error {}
