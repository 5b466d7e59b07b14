import { z } from 'zod';
import { Duration, ModelSettings, PromptConfig } from '../model-config';

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

/**
 * How an answer cut short (a worker crashed mid-stream) is continued: `prefill` sends the partial answer as
 * the last assistant message for the model to continue (Ollama, llama.cpp, Anthropic-style);
 * `prefill_deepseek` marks it `prefix: true` (DeepSeek's prefix completion, its /beta base URL);
 * `prefill_vllm` asks `continue_final_message` (vLLM, SGLang); `instruction` adds a user message asking to
 * continue (OpenAI and others that cannot continue a message); `auto` picks by api_type and URL.
 */
export const CONTINUATION_MODES = ['auto', 'prefill', 'prefill_deepseek', 'prefill_vllm', 'instruction'] as const;

export const ProviderTimeouts = z.object({
  /** Until the first token (or reasoning token) arrives. */
  first_token: Duration.default('60s'),
  /** Between two tokens once the answer streams. */
  between_tokens: Duration.default('30s'),
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
  continuation: z.enum(CONTINUATION_MODES, { message: `continuation must be one of ${CONTINUATION_MODES.join(', ')}` }).default('auto'),
  timeouts: ProviderTimeouts.default(() => ProviderTimeouts.parse({})),
});
export type ModelProviderInput = z.infer<typeof ModelProviderInput>;
