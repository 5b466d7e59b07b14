import { Schema } from 'mongoose';
import { baseSchema } from './base';

// Nested config blocks are validated by the API schema (routes/assistant/schema.ts) before they get here;
// the one free-form piece, datasource.filter, is kept serialized in `datasource.filter_json`.
export const assistantSchema = baseSchema(
  {
    name: { type: String, default: '' },
    description: { type: String, default: '' },
    icon: { type: String, default: '' },
    type: { type: String, default: 'simple' },
    category: { type: String, default: '' },
    tags: { type: [String], default: [] },
    enabled: { type: Boolean, default: true },
    builtin: { type: Boolean, default: false },
    keepalive: { type: String, default: '30m' },
    role_prompt: { type: String, default: '' },
    answering_model: { type: Schema.Types.Mixed, default: null },
    config: { type: Schema.Types.Mixed, default: null },
    datasource: { type: Schema.Types.Mixed, default: null },
    mcp_servers: { type: Schema.Types.Mixed, default: null },
    tools: { type: Schema.Types.Mixed, default: null },
    upload: { type: Schema.Types.Mixed, default: null },
    chat_settings: { type: Schema.Types.Mixed, default: null },
  },
  'assistants',
);
assistantSchema.index({ created: -1 });
