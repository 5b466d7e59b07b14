import { z } from 'zod';
import { ModelSettings, PromptConfig } from '../model-config';

export const API_TYPES = ['openai', 'ollama', 'gemini', 'anthropic'] as const;

const httpUrl = z.string().refine((v) => {
  if (v === '') return true;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'expected an http(s) URL such as "https://api.deepseek.com/v1"');

export const ProviderModel = z.object({
  name: z.string().trim().min(1, 'model name is required'),
  type: z.enum(['language', 'vision', 'embedding']).optional(),
  support_reasoning: z.boolean().optional(),
  settings: ModelSettings.optional(),
  prompt: PromptConfig.optional(),
});

export const ModelProviderInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(200),
  description: z.string().default(''),
  icon: z.string().default(''),
  website: z.string().default(''),
  /** Omitted, or the masked value sent back, keeps the stored key; "" clears it. */
  api_key: z.string().optional(),
  api_type: z.enum(API_TYPES, { message: `api_type must be one of ${API_TYPES.join(', ')}` }).default('openai'),
  base_url: httpUrl.default(''),
  models: z.array(ProviderModel).default([]),
  enabled: z.boolean().default(true),
});
export type ModelProviderInput = z.infer<typeof ModelProviderInput>;
