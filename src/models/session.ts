import { baseSchema } from './base';

export const sessionSchema = baseSchema(
  {
    title: { type: String, default: '' },
    summary: { type: String, default: '' },
    /** Messages created up to this time are covered by `summary` (history compression). */
    summary_until: { type: Date, default: null },
    title_generated: { type: Boolean, default: false },
    status: { type: String, default: 'active' },
    visible: { type: Boolean, default: true },
    manually_renamed_title: { type: Boolean, default: false },
    context: { attachments: { type: [String], default: [] } },
    owner_id: { type: String, required: true },
  },
  'sessions',
);
sessionSchema.index({ owner_id: 1, created: -1 });
