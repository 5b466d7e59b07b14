import { z } from 'zod';

const jsonObject = z.record(z.string(), z.unknown());

export const DocumentInput = z.object({
  source: z
    .object({ id: z.string().default(''), type: z.string().default(''), name: z.string().default(''), icon: z.string().default('') })
    .default({ id: '', type: '', name: '', icon: '' }),
  type: z.string().default(''),
  category: z.string().default(''),
  subcategory: z.string().default(''),
  categories: z.array(z.string()).default([]),
  rich_categories: z.array(z.object({ label: z.string().default(''), key: z.string().default(''), icon: z.string().default('') })).default([]),
  title: z.string().trim().min(1, 'title is required'),
  summary: z.string().default(''),
  content: z.string().default(''),
  lang: z.string().default(''),
  icon: z.string().default(''),
  thumbnail: z.string().default(''),
  cover: z.string().default(''),
  url: z.string().default(''),
  size: z.number().int().min(0).default(0),
  tags: z.array(z.string()).default([]),
  owner: z.object({ avatar: z.string().default(''), username: z.string().default(''), userid: z.string().default('') }).nullable().default(null),
  last_updated_by: z
    .object({
      user: z.object({ avatar: z.string().default(''), username: z.string().default(''), userid: z.string().default('') }).optional(),
      timestamp: z.string().optional(),
    })
    .nullable()
    .default(null),
  metadata: jsonObject.nullable().default(null),
  payload: jsonObject.nullable().default(null),
  disabled: z.boolean().default(false),
});
export type DocumentInput = z.infer<typeof DocumentInput>;
