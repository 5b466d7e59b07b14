// The assistant object clients send (coco-api.md §5.1). Every field is typed; unknown keys are dropped.
import { z } from 'zod';
import { compileQuery } from '../../search/es-query';
import { DEFAULT_GREETING } from '../../shared/prompts';
import { Duration, ModelConfig, ModelConfigOrSettings } from '../model-config';
import { DOCUMENT_SEARCH_FIELDS } from '../documents/records';

export const ASSISTANT_TYPES = ['simple', 'deep_think'] as const;
const ids = z.array(z.string().min(1, 'ids must not be empty strings'));

/** datasource.filter must be an ES clause the retrieval engine understands; checked here, not at chat time. */
const EsFilter = z
  .record(z.string(), z.unknown())
  .nullable()
  .superRefine((v, ctx) => {
    if (!v || Object.keys(v).length === 0) return;
    try {
      compileQuery(v, DOCUMENT_SEARCH_FIELDS, 'filter');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^filter:?\s*/, '') || 'invalid filter' });
    }
  });

export const DeepThinkConfig = z.object({
  intent_analysis_model: ModelConfig.optional(),
  picking_doc_model: ModelConfig.optional(),
  pick_datasource: z.boolean().default(false),
  pick_tools: z.boolean().default(false),
  tools_promised_result_size: z.number().int().min(0).default(0),
  visible: z.boolean().default(true),
});

export const DatasourceConfig = z.object({
  enabled: z.boolean().default(true),
  ids: ids.default(['*']),
  visible: z.boolean().default(true),
  enabled_by_default: z.boolean().default(false),
  filter: EsFilter.default(null),
});

export const McpServersConfig = z.object({
  enabled: z.boolean().default(true),
  ids: ids.default(['*']),
  visible: z.boolean().default(true),
  enabled_by_default: z.boolean().default(false),
  max_iterations: z.number().int().min(0).max(100).default(5),
  model: ModelConfigOrSettings.default(null),
});

export const ToolsConfig = z.object({
  enabled: z.boolean().default(false),
  builtin: z
    .object({
      calculator: z.boolean().default(false),
      wikipedia: z.boolean().default(false),
      duckduckgo: z.boolean().default(false),
      scraper: z.boolean().default(false),
    })
    .default({ calculator: false, wikipedia: false, duckduckgo: false, scraper: false }),
});

export const UploadConfig = z.object({
  enabled: z.boolean().default(false),
  allowed_file_extensions: z.array(z.string()).default(['*']),
  max_file_size_in_bytes: z.number().int().min(0).default(1048576),
  max_file_count: z.number().int().min(0).default(6),
});

export const ChatSettings = z.object({
  greeting_message: z.string().default(DEFAULT_GREETING),
  suggested: z
    .object({ enabled: z.boolean().default(false), questions: z.array(z.string()).default([]) })
    .default({ enabled: false, questions: [] }),
  input_preprocess_tpl: z.string().default(''),
  placeholder: z.string().default(''),
  history_message: z
    .object({
      number: z.number().int().min(0).max(1000).default(5),
      compression_threshold: z.number().int().min(0).default(1000),
      summary: z.boolean().default(true),
    })
    .default({ number: 5, compression_threshold: 1000, summary: true }),
});

export const AssistantInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(200),
  description: z.string().default(''),
  icon: z.string().default('font_coco'),
  type: z.enum(ASSISTANT_TYPES, { message: `type must be one of ${ASSISTANT_TYPES.join(', ')}` }).default('simple'),
  category: z.string().default(''),
  tags: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
  keepalive: Duration.default('30m'),
  role_prompt: z.string().default(''),
  answering_model: ModelConfig.default({ provider_id: '', name: '', settings: {} }),
  config: DeepThinkConfig.nullable().default(null),
  datasource: DatasourceConfig.default(() => DatasourceConfig.parse({})),
  mcp_servers: McpServersConfig.default(() => McpServersConfig.parse({})),
  tools: ToolsConfig.default(() => ToolsConfig.parse({})),
  upload: UploadConfig.default(() => UploadConfig.parse({})),
  chat_settings: ChatSettings.default(() => ChatSettings.parse({})),
});
export type AssistantInput = z.infer<typeof AssistantInput>;
