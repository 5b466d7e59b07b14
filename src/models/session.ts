import { baseSchema } from './base';

export const sessionSchema = baseSchema(
  {
    title: { type: String, default: '' },
    summary: { type: String, default: '' },
    status: { type: String, default: 'active' },
    visible: { type: Boolean, default: true },
    manually_renamed_title: { type: Boolean, default: false },
    context: { attachments: { type: [String], default: [] } },
    owner_id: { type: String, required: true },
  },
  'sessions',
);
sessionSchema.index({ owner_id: 1, created: -1 });
