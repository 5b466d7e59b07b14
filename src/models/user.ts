import { baseSchema } from './base';

// A person (or a widget's service account) who signs in. The password is kept only as an argon2id hash
// (domain/users/passwords.ts); `roles` are the most any of the user's tokens may carry.
export const userSchema = baseSchema(
  {
    username: { type: String, required: true, unique: true },
    name: { type: String, default: '' },
    email: { type: String, default: '' },
    roles: { type: [String], default: ['user'] },
    password_hash: { type: String, default: '' },
    disabled: { type: Boolean, default: false },
  },
  'users',
);
