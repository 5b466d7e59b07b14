// Tool-calling types that cross workflow ↔ activities (plain data, no imports).

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
  cancelled?: boolean;
}

/** The tool loop's conversation, in the OpenAI chat shape. */
export type ToolMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: ToolCallRequest[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface BuiltinTools {
  calculator: boolean;
  wikipedia: boolean;
  duckduckgo: boolean;
  scraper: boolean;
}

/** The tools a turn may use, resolved from the assistant and the request (null: none). */
export interface ToolsContext {
  builtin: BuiltinTools;
  mcpServerIds: string[];
  model: { providerId: string; name: string; settings: Record<string, unknown> };
  maxIterations: number;
}

/** How a worker reaches an MCP server (secrets included: never in workflow history or responses). */
export interface McpServerConfig {
  id: string;
  name: string;
  type: 'stdio' | 'sse' | 'streamable_http';
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  url?: string;
  /** Changes when the server's config changes: a new connection is made then. */
  version: string;
}
