// Shapes of the API's objects (coco-api.md §5.1, §7), as the UI reads and writes them.

export interface ModelSettings {
  reasoning?: boolean;
  temperature?: number;
  top_p?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  max_tokens?: number;
  max_length?: number;
}

export interface ModelConfig {
  provider_id: string;
  name: string;
  settings?: ModelSettings;
  prompt?: { template: string; input_vars: string[] | null };
}

export interface Assistant {
  id?: string;
  name: string;
  description: string;
  icon: string;
  type: 'simple' | 'deep_think';
  category: string;
  tags: string[];
  enabled: boolean;
  builtin?: boolean;
  keepalive: string;
  role_prompt: string;
  answering_model: ModelConfig;
  config: {
    intent_analysis_model?: ModelConfig;
    picking_doc_model?: ModelConfig;
    pick_datasource: boolean;
    pick_tools: boolean;
    tools_promised_result_size: number;
    visible: boolean;
  } | null;
  datasource: { enabled: boolean; ids: string[]; visible: boolean; enabled_by_default: boolean; filter: Record<string, unknown> | null };
  mcp_servers: { enabled: boolean; ids: string[]; visible: boolean; enabled_by_default: boolean; max_iterations: number; model: ModelConfig | null };
  tools: { enabled: boolean; builtin: { calculator: boolean; wikipedia: boolean; duckduckgo: boolean; scraper: boolean } };
  upload: { enabled: boolean; allowed_file_extensions: string[]; max_file_size_in_bytes: number; max_file_count: number };
  chat_settings: {
    greeting_message: string;
    suggested: { enabled: boolean; questions: string[] };
    input_preprocess_tpl: string;
    placeholder: string;
    history_message: { number: number; compression_threshold: number; summary: boolean };
  };
  created?: string;
  updated?: string;
}

export interface ProviderModel {
  name: string;
  type?: 'language' | 'vision' | 'embedding';
  support_reasoning?: boolean;
  settings?: ModelSettings;
}

export interface ModelProvider {
  id?: string;
  name: string;
  description: string;
  icon: string;
  website: string;
  api_key?: string;
  api_type: 'openai' | 'ollama' | 'gemini' | 'anthropic';
  base_url: string;
  models: ProviderModel[];
  enabled: boolean;
  builtin?: boolean;
}

export interface Datasource {
  id?: string;
  type: 'connector';
  name: string;
  description: string;
  icon: string;
  category: string;
  tags: string[];
  connector: { id: string; config: Record<string, unknown> | null };
  sync_enabled: boolean;
  enabled: boolean;
}

export interface CocoDocument {
  id?: string;
  source?: { id: string; type: string; name: string; icon: string };
  type: string;
  category: string;
  title: string;
  summary: string;
  content: string;
  url: string;
  size: number;
  tags: string[];
  lang?: string;
  updated?: string;
}

export type McpType = 'stdio' | 'sse' | 'streamable_http';

export interface McpServer {
  id?: string;
  name: string;
  description: string;
  icon: string;
  category: string;
  tags: string[];
  enabled: boolean;
  type: McpType;
  config?: { command?: string; args?: string[]; env?: Record<string, string>; url?: string };
}

export interface Session {
  id: string;
  title?: string;
  status?: string;
  created?: string;
  updated?: string;
}

export interface ChatMessage {
  id: string;
  type: 'user' | 'assistant' | 'system';
  session_id: string;
  assistant_id?: string;
  message: string;
  created?: string;
  reply_to_message?: string;
  /** A user message's attachment ids. */
  attachments?: string[] | null;
  details?: Array<{ order?: number; type: string; payload?: unknown }> | null;
}

export interface MessageChunk {
  session_id: string;
  message_id: string;
  message_type: 'assistant' | 'system';
  reply_to_message: string;
  chunk_sequence: number;
  chunk_type: string;
  message_chunk: string;
  tool_call_message_chunk?: string;
  seq?: number;
}

export type Role = 'admin' | 'user';

/** A stored user (GET /user/:id); the password is written, never read. */
export interface UserAccount {
  id?: string;
  username: string;
  name?: string;
  email?: string;
  roles: Role[];
  disabled?: boolean;
  created?: string;
  updated?: string;
}
