import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords';

const PERSON_ROLES = ['admin', 'user'] as const;

export const Password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `password must have at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `password must have at most ${MAX_PASSWORD_LENGTH} characters`);

const fields = {
  username: z
    .string()
    .trim()
    .min(1, 'username is required')
    .max(64)
    .regex(/^[A-Za-z0-9._@-]+$/, 'username may contain letters, digits and . _ @ - only'),
  name: z.string().trim().max(200).default(''),
  email: z.union([z.literal(''), z.string().trim().max(200).email('email is not a valid address')]).default(''),
  // `widget` is not a person's role: integrations make their own widget accounts.
  roles: z.array(z.enum(PERSON_ROLES, { error: `roles: each must be one of ${PERSON_ROLES.join(', ')}` })).min(1, 'roles: at least one role').max(PERSON_ROLES.length).default(['user']),
  disabled: z.boolean().default(false),
};

/** POST /user/: a password is required. */
export const UserCreate = z.object({ ...fields, password: Password });
export type UserCreate = z.infer<typeof UserCreate>;

/** PUT /user/:id: the whole user; without `password` the stored one is kept. */
export const UserUpdate = z.object({ ...fields, password: Password.optional() });
export type UserUpdate = z.infer<typeof UserUpdate>;

export const Login = z.object({ username: z.string().trim().max(64).default('admin'), password: z.string().min(1, 'password is required').max(MAX_PASSWORD_LENGTH) });
export type Login = z.infer<typeof Login>;

export const PasswordChange = z.object({ old_password: z.string().min(1, 'old_password is required').max(MAX_PASSWORD_LENGTH), new_password: Password });
export type PasswordChange = z.infer<typeof PasswordChange>;
