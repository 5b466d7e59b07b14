import { Schema } from 'mongoose';
import { baseSchema } from './base';

export const modelProviderSchema = baseSchema(
  {
    name: { type: String, default: '' },
    description: { type: String, default: '' },
    icon: { type: String, default: '' },
    website: { type: String, default: '' },
    api_key: { type: String, default: '' },
    api_type: { type: String, default: 'openai' },
    base_url: { type: String, default: '' },
    models: { type: [Schema.Types.Mixed], default: [] },
    enabled: { type: Boolean, default: true },
    builtin: { type: Boolean, default: false },
    continuation: { type: String, default: 'auto' },
    timeouts: { type: Schema.Types.Mixed, default: null },
  },
  'model_providers',
);
