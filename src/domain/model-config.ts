// Model settings and model configs, shared by assistants and model providers.
import { z } from 'zod';

const nonNegInt = z.number().int().min(0);

/** A duration as Coco writes them: "30m", "90s", "1h" (parsed with shared/chat parseDuration). */
export const Duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as "30m", "90s" or "1h"');

export const ModelSettings = z.object({
  reasoning: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  max_tokens: nonNegInt.optional(),
  max_length: nonNegInt.optional(),
});
export type ModelSettings = z.infer<typeof ModelSettings>;

export const PromptConfig = z.object({
  template: z.string().default(''),
  input_vars: z.array(z.string()).nullable().default(null),
});

export const ModelConfig = z.object({
  provider_id: z.string().default(''),
  name: z.string().default(''),
  settings: ModelSettings.default({}),
  prompt: PromptConfig.optional(),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

const SETTING_KEYS = Object.keys(ModelSettings.shape);

/**
 * `mcp_servers.model` is a ModelConfig, but Coco's own example sends bare settings there
 * ({"temperature": 0.8, ...}). Those are read as the settings of the answering model.
 */
export const ModelConfigOrSettings = z.preprocess((v) => {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length > 0 && keys.every((k) => SETTING_KEYS.includes(k))) return { settings: v };
  }
  return v;
}, ModelConfig.nullable());
