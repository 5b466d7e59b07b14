// An assistant as stored ↔ as read, and the defaults applied when one is loaded (coco-api.md §5.3).
import { deserialize, serialize } from '../../models/base';
import { knownPaths, type SearchFields } from '../../search/fields';
import type { BuiltinTools } from '../../shared/tools';
import { DEFAULT_ANSWER_TEMPLATE, DEFAULT_INTENT_TEMPLATE, DEFAULT_PICKING_TEMPLATE, DEFAULT_ROLE_PROMPT } from '../../shared/prompts';
import type { Stored } from '../record';
import type { AssistantInput } from './schema';
import { assistantSchema } from '../../models/assistant';

export const ASSISTANT_SEARCH_FIELDS: SearchFields = {
  index: 'coco_assistant',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'category', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags'],
  known: knownPaths(assistantSchema),
};

/** datasource.filter is free-form ES JSON: stored serialized (FerretDB refuses `$`/`.` keys). */
export function assistantToStored(input: AssistantInput): Record<string, unknown> {
  const { filter, ...datasource } = input.datasource;
  return { ...input, datasource: { ...datasource, filter_json: serialize(filter) } };
}

/** The assistant as stored, with its filter parsed (no defaults applied): what search hits show. */
export function assistantView(doc: Stored): Stored {
  const out: Stored = { ...doc };
  const ds = doc.datasource as Record<string, unknown> | null;
  if (ds) {
    const { filter_json, ...rest } = ds;
    out.datasource = { ...rest, filter: deserialize(filter_json) };
  }
  return out;
}

function withTemplate(model: Record<string, unknown> | undefined | null, template: string) {
  if (!model) return model;
  const prompt = (model.prompt as Record<string, unknown> | undefined) ?? {};
  if (prompt.template) return model;
  return { ...model, prompt: { input_vars: null, ...prompt, template } };
}

/** Loading applies defaults: role prompt, answer/intent/picking templates, max_iterations ≤ 1 → 5. */
export function loadedAssistantView(doc: Stored): Stored {
  const a = assistantView(doc);
  if (!a.role_prompt) a.role_prompt = DEFAULT_ROLE_PROMPT;
  a.answering_model = withTemplate(a.answering_model as Record<string, unknown>, DEFAULT_ANSWER_TEMPLATE);
  const mcp = a.mcp_servers as Record<string, unknown> | null;
  if (mcp && (typeof mcp.max_iterations !== 'number' || mcp.max_iterations <= 1)) {
    a.mcp_servers = { ...mcp, max_iterations: 5 };
  }
  if (a.type === 'deep_think') {
    const cfg = (a.config as Record<string, unknown> | null) ?? {};
    a.config = {
      ...cfg,
      intent_analysis_model: withTemplate((cfg.intent_analysis_model as Record<string, unknown>) ?? { provider_id: '', name: '', settings: {} }, DEFAULT_INTENT_TEMPLATE),
      picking_doc_model: withTemplate((cfg.picking_doc_model as Record<string, unknown>) ?? { provider_id: '', name: '', settings: {} }, DEFAULT_PICKING_TEMPLATE),
    };
  }
  return a;
}

export interface ModelConfigView {
  provider_id?: string;
  name?: string;
  settings?: Record<string, unknown>;
  prompt?: { template?: string };
}

/** The parts of a loaded assistant (defaults applied) a chat reads. */
export interface LoadedAssistant {
  enabled?: boolean;
  type?: string;
  role_prompt: string;
  keepalive?: string;
  answering_model?: ModelConfigView;
  config?: { intent_analysis_model?: ModelConfigView; picking_doc_model?: ModelConfigView; pick_datasource?: boolean; pick_tools?: boolean } | null;
  datasource?: { enabled?: boolean; ids?: string[]; filter?: unknown } | null;
  mcp_servers?: { enabled?: boolean; ids?: string[]; max_iterations?: number; model?: ModelConfigView | null } | null;
  tools?: { enabled?: boolean; builtin?: Partial<BuiltinTools> } | null;
  chat_settings?: { input_preprocess_tpl?: string; history_message?: { number?: number; summary?: boolean; compression_threshold?: number } };
}

/** chat_settings.history_message.number as stored (defaults are stored with the assistant). */
export function historyNumberOf(assistant: Stored): number | undefined {
  const n = (assistant.chat_settings as { history_message?: { number?: unknown } } | undefined)?.history_message?.number;
  return typeof n === 'number' ? n : undefined;
}

/** Whether the assistant names a model to answer with. */
export function hasAnsweringModel(assistant: Stored): boolean {
  const m = assistant.answering_model as { provider_id?: string; name?: string } | null;
  return !!m?.provider_id && !!m.name;
}
