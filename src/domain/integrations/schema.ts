import { z } from 'zod';

/** An origin as browsers send it: scheme, host and port, nothing else ("https://example.com"). */
const Origin = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return ['http:', 'https:'].includes(u.protocol) && u.origin === v.replace(/\/$/, '');
    } catch {
      return false;
    }
  }, 'each allowed origin must be scheme://host[:port], e.g. "https://example.com"')
  .transform((v) => v.replace(/\/$/, ''));

const Id = z.string().trim().min(1).max(64);

export const IntegrationInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(200),
  type: z.enum(['embedded', 'floating']).default('embedded'),
  description: z.string().max(2000).default(''),
  enabled: z.boolean().default(true),
  hotkey: z.string().max(50).default(''),
  cors: z.object({ enabled: z.boolean().default(true), allowed_origins: z.array(Origin).max(100).default([]) }).default({ enabled: true, allowed_origins: [] }),
  enabled_module: z
    .object({
      search: z.object({ enabled: z.boolean().default(true), datasource: z.array(Id).max(200).default([]), placeholder: z.string().max(200).default('') }).default({ enabled: true, datasource: [], placeholder: '' }),
      ai_chat: z
        .object({
          enabled: z.boolean().default(true),
          assistants: z.array(Id).max(200).default([]),
          placeholder: z.string().max(200).default(''),
          start_page_config: z
            .object({
              enabled: z.boolean().default(false),
              logo: z.object({ light: z.string().max(2000).default(''), dark: z.string().max(2000).default('') }).default({ light: '', dark: '' }),
              introduction: z.string().max(5000).default(''),
              display_assistants: z.array(Id).max(50).default([]),
            })
            .optional(),
        })
        .default({ enabled: true, assistants: [], placeholder: '' }),
      features: z.array(z.string().max(50)).max(20).default([]),
    })
    .default({ search: { enabled: true, datasource: [], placeholder: '' }, ai_chat: { enabled: true, assistants: [], placeholder: '' }, features: [] }),
  access_control: z.object({ authentication: z.boolean().default(false), chat_history: z.boolean().default(false) }).default({ authentication: false, chat_history: false }),
  appearance: z.object({ theme: z.enum(['auto', 'light', 'dark']).default('auto') }).default({ theme: 'auto' }),
});
export type IntegrationInput = z.infer<typeof IntegrationInput>;
