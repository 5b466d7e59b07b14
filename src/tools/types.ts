// Configuration and errors of the tools a reply can call (their shared types are in src/shared/tools.ts).
export type { ToolCallRecord, ToolCallRequest, ToolSpec } from '../shared/tools';

export interface ToolsConfig {
  wikipediaUrl: string;
  duckduckgoUrl: string;
  scraper: { allowPrivate: boolean; maxBytes: number; timeoutMs: number };
  mcp: { connectTimeoutMs: number; callTimeoutMs: number; idleMs: number };
  /** Tool results are cut to this many characters before they reach the model. */
  maxResultChars: number;
}

export class ToolError extends Error {}
