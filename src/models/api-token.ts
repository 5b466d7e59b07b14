import { baseSchema } from './base';

// Only a SHA-256 of the token is stored: tokens are 256-bit random values, so a slow hash adds nothing.
// A credential is an API token (`kind: 'api'`) or a login (`kind: 'login'`, a signed JWT whose `jti` is this
// record's id: logging out deletes the record, and the JWT stops working).
export const apiTokenSchema = baseSchema(
  {
    name: { type: String, default: '' },
    kind: { type: String, default: 'api' },
    hash: { type: String, required: true, unique: true },
    hint: { type: String, default: '' },
    user_id: { type: String, required: true },
    username: { type: String, default: '' },
    roles: { type: [String], default: [] },
    expire_at: { type: Date, default: null },
    /** Set on an integration's widget token: that integration limits what it may do. */
    integration_id: { type: String },
  },
  'api_tokens',
);
// A user's tokens are listed and counted by user (the token itself is found by its unique hash).
apiTokenSchema.index({ user_id: 1 });
