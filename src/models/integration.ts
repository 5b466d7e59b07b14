import { baseSchema } from './base';

// A web widget (coco-api.md §7.4): what an embedding page may use, and the widget-role token it uses.
// The token is public by design (every visitor's browser holds it); what it may do is limited by this
// record, and the API answers it only from the allowed origins.
export const integrationSchema = baseSchema(
  {
    name: { type: String, required: true },
    type: { type: String, default: 'embedded' },
    description: { type: String, default: '' },
    enabled: { type: Boolean, default: true },
    hotkey: { type: String, default: '' },
    cors: { enabled: { type: Boolean, default: true }, allowed_origins: { type: [String], default: [] } },
    enabled_module: {
      search: { enabled: { type: Boolean, default: true }, datasource: { type: [String], default: [] }, placeholder: { type: String, default: '' } },
      ai_chat: {
        enabled: { type: Boolean, default: true },
        assistants: { type: [String], default: [] },
        placeholder: { type: String, default: '' },
        start_page_config: {
          enabled: { type: Boolean, default: false },
          logo: { light: { type: String, default: '' }, dark: { type: String, default: '' } },
          introduction: { type: String, default: '' },
          display_assistants: { type: [String], default: [] },
        },
      },
      features: { type: [String], default: [] },
    },
    access_control: { authentication: { type: Boolean, default: false }, chat_history: { type: Boolean, default: false } },
    appearance: { theme: { type: String, default: 'auto' } },
    /** The widget token's value (public), its credential id, and the service user it belongs to. */
    token: { type: String, default: '' },
    token_id: { type: String, default: '' },
    user_id: { type: String, default: '' },
  },
  'integrations',
);
