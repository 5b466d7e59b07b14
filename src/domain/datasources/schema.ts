import { z } from 'zod';

export const DatasourceInput = z.object({
  type: z.literal('connector', { message: 'type must be "connector"' }).default('connector'),
  name: z.string().trim().min(1, 'name is required').max(200),
  description: z.string().default(''),
  icon: z.string().default(''),
  category: z.string().default(''),
  tags: z.array(z.string()).default([]),
  connector: z
    .object({
      id: z.string().default(''),
      config: z.record(z.string(), z.unknown()).nullable().default(null),
    })
    .default({ id: '', config: null }),
  sync_enabled: z.boolean().default(false),
  enabled: z.boolean().default(true),
});
export type DatasourceInput = z.infer<typeof DatasourceInput>;
