import { z } from 'zod';

const httpUrl = z.string().refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'expected an http(s) URL');

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const common = {
  name: z.string().trim().min(1, 'name is required').max(200),
  description: z.string().default(''),
  icon: z.string().default(''),
  category: z.string().default(''),
  tags: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
};

export const StdioConfig = z.object({
  command: z.string().trim().min(1, 'command is required (e.g. "npx")'),
  args: z.array(z.string()).default([]),
  env: z
    .record(z.string(), z.string())
    .default({})
    .superRefine((env, ctx) => {
      for (const k of Object.keys(env)) {
        if (!envName.test(k)) ctx.addIssue({ code: 'custom', message: `"${k}" is not a valid environment variable name`, path: [k] });
      }
    }),
});

export const UrlConfig = z.object({ url: httpUrl });

export const McpServerInput = z.discriminatedUnion(
  'type',
  [
    z.object({ ...common, type: z.literal('stdio'), config: StdioConfig }),
    z.object({ ...common, type: z.literal('sse'), config: UrlConfig }),
    z.object({ ...common, type: z.literal('streamable_http'), config: UrlConfig }),
  ],
  { error: 'type must be one of stdio, sse, streamable_http' },
);
export type McpServerInput = z.infer<typeof McpServerInput>;
