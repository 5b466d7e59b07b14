// Users: admin-managed records (username, name, email, roles, disabled) with an argon2id password hash that
// no read ever shows. Disabling, deleting or re-roling a user takes their credentials away at once on every
// instance. The built-in admin (id "admin") can be edited but keeps its admin role and cannot be disabled
// or deleted, so the deployment always has someone who can manage it.
import type { Models } from '../../models';
import { knownPaths, type SearchFields } from '../../search/fields';
import { isAdmin } from '../access';
import type { Credentials } from '../auth/credentials';
import { Forbidden } from '../errors';
import { RecordStore, Stored } from '../record';
import { revealable, secretPaths } from '../secrets';
import { ADMIN_USER } from '../users';
import { hashPassword } from './passwords';
import type { UserCreate, UserUpdate } from './schema';
import { userSchema } from '../../models/user';

export const USER_SEARCH_FIELDS: SearchFields = {
  index: 'coco_user',
  defaultFields: ['username', 'name', 'email'],
  fulltext: ['username', 'name', 'email'],
  dates: ['created', 'updated'],
  arrays: ['roles'],
  hidden: secretPaths('user'),
  known: knownPaths(userSchema),
};

/** A user as any read shows it: never the password hash; name and email always strings. */
export function userView(doc: Stored): Stored {
  const rest = revealable('user', doc, 'read');
  return { ...rest, id: doc._id, name: doc.name ?? '', email: doc.email ?? '', roles: doc.roles ?? [], disabled: doc.disabled === true };
}

/** An integration's widget account: made, limited and deleted with its integration, never by hand. */
export const isServiceUser = (doc: Stored) => Array.isArray(doc.roles) && (doc.roles as string[]).includes('widget');
const SERVICE_USER_REASON = "this is an integration's widget account: it changes with its integration (/integration/)";

export class Users {
  readonly store: RecordStore<UserCreate | UserUpdate>;

  constructor(
    private readonly models: Models,
    credentials: Credentials,
  ) {
    this.store = new RecordStore<UserCreate | UserUpdate>({
      what: 'user',
      model: models.User,
      search: USER_SEARCH_FIELDS,
      view: userView,
      duplicateReason: (fields) => `username [${String(fields.username)}] is already taken`,
      async toStored(input, existing) {
        const { password, ...fields } = input;
        const password_hash = password ? await hashPassword(password) : ((existing?.password_hash as string | undefined) ?? '');
        return { ...fields, password_hash };
      },
      beforeReplace(existing, next) {
        if (isServiceUser(existing)) throw new Forbidden(SERVICE_USER_REASON);
        if (existing._id !== ADMIN_USER.id) return;
        if (next.disabled === true || !isAdmin(next.roles as string[])) throw new Forbidden('the built-in admin user keeps the admin role and cannot be disabled');
      },
      beforeDelete(existing) {
        if (isServiceUser(existing)) throw new Forbidden(SERVICE_USER_REASON);
        if (existing._id === ADMIN_USER.id) throw new Forbidden('the built-in admin user cannot be deleted');
      },
      async afterDelete(existing) {
        await models.ApiToken.deleteMany({ user_id: existing._id });
      },
      async afterChange(before, after) {
        if (!before) return;
        // A password set by an admin ends the user's logins (as changing one's own ends the others).
        if (after && after.password_hash !== before.password_hash) await models.ApiToken.deleteMany({ user_id: before._id, kind: 'login' });
        // A new name shows on the user's tokens.
        if (after && after.username !== before.username) await models.ApiToken.updateMany({ user_id: before._id }, { $set: { username: after.username } });
        // Fewer roles, a disabled user or a new password: what the user's tokens and logins may do changed.
        await credentials.announce({ userId: before._id });
      },
    });
  }

  findByUsername(username: string): Promise<Stored | null> {
    return this.models.User.findOne({ username }).lean() as Promise<Stored | null>;
  }
}
