// Stored assistant ↔ wire shape, and the defaults applied when an assistant is loaded (coco-api.md §5.3).
import { deserialize, serialize } from '../../../models/base';
import { SearchFields } from '../../../search/fields';
import { DEFAULT_ANSWER_TEMPLATE, DEFAULT_INTENT_TEMPLATE, DEFAULT_PICKING_TEMPLATE, DEFAULT_ROLE_PROMPT } from '../../../shared/prompts';
import { baseSource, Stored } from '../resource';
import type { AssistantInput } from './schema';

export const ASSISTANT_SEARCH_FIELDS: SearchFields = {
  index: 'coco_assistant',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'category', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags'],
};

export function assistantToStored(input: AssistantInput): Record<string, unknown> {
  const { filter, ...datasource } = input.datasource;
  return { ...input, datasource: { ...datasource, filter_json: serialize(filter) } };
}

/** The assistant as stored, in wire shape (no defaults applied). */
export function presentAssistantRaw(doc: Stored): Record<string, unknown> {
  const out = baseSource(doc);
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
export function presentAssistant(doc: Stored): Record<string, unknown> {
  const a = presentAssistantRaw(doc);
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
