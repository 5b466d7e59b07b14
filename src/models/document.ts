import { Schema } from 'mongoose';
import { baseSchema } from './base';

export const documentSchema = baseSchema(
  {
    source: {
      id: { type: String, default: '' },
      type: { type: String, default: '' },
      name: { type: String, default: '' },
      icon: { type: String, default: '' },
    },
    type: { type: String, default: '' },
    category: { type: String, default: '' },
    subcategory: { type: String, default: '' },
    categories: { type: [String], default: [] },
    rich_categories: { type: [Schema.Types.Mixed], default: [] },
    title: { type: String, default: '' },
    summary: { type: String, default: '' },
    content: { type: String, default: '' },
    lang: { type: String, default: '' },
    icon: { type: String, default: '' },
    thumbnail: { type: String, default: '' },
    cover: { type: String, default: '' },
    url: { type: String, default: '' },
    size: { type: Number, default: 0 },
    tags: { type: [String], default: [] },
    owner: { type: Schema.Types.Mixed, default: null },
    last_updated_by: { type: Schema.Types.Mixed, default: null },
    metadata_json: { type: String, default: null },
    payload_json: { type: String, default: null },
    disabled: { type: Boolean, default: false },
  },
  'documents',
);
documentSchema.index({ 'source.id': 1 });
