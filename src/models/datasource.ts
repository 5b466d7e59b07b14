import { baseSchema } from './base';

export const datasourceSchema = baseSchema(
  {
    type: { type: String, default: 'connector' },
    name: { type: String, default: '' },
    description: { type: String, default: '' },
    icon: { type: String, default: '' },
    category: { type: String, default: '' },
    tags: { type: [String], default: [] },
    connector: {
      id: { type: String, default: '' },
      config_json: { type: String, default: null },
    },
    sync_enabled: { type: Boolean, default: false },
    enabled: { type: Boolean, default: true },
  },
  'datasources',
);
