import { baseSchema } from './base';

// env is kept as name/value pairs: variable names are free-form keys FerretDB may refuse as object keys.
export const mcpServerSchema = baseSchema(
  {
    name: { type: String, default: '' },
    description: { type: String, default: '' },
    icon: { type: String, default: '' },
    category: { type: String, default: '' },
    tags: { type: [String], default: [] },
    enabled: { type: Boolean, default: true },
    type: { type: String, required: true },
    config: {
      command: { type: String },
      args: { type: [String], default: undefined },
      env: { type: [{ _id: false, name: String, value: String }], default: undefined },
      url: { type: String },
    },
  },
  'mcp_servers',
);
