// API tokens: minted for a user with that user's roles or fewer, listed (masked), deleted. A deletion is
// announced so every instance refuses the token at once (credentials.ts).
import type { Models } from '../../models';
import { isAdmin } from '../access';
import { Forbidden, NotFound } from '../errors';
import { maskSecret } from '../secrets';
import type { User } from '../users';
import type { Credentials } from './credentials';
import { generateToken, hashToken } from './token-values';

export { generateToken, hashToken } from './token-values';

export interface TokenOptions {
  roles?: string[];
  expireAt?: Date | null;
  integrationId?: string;
}

export async function storeToken(models: Models, token: string, user: Pick<User, 'id' | 'username' | 'roles'>, name: string, opts: TokenOptions = {}) {
  return models.ApiToken.create({
    name,
    kind: 'api',
    hash: hashToken(token),
    hint: maskSecret(token),
    user_id: user.id,
    username: user.username,
    roles: opts.roles ?? user.roles,
    expire_at: opts.expireAt ?? null,
    ...(opts.integrationId && { integration_id: opts.integrationId }),
  });
}

const TOKEN_TTL_MS = 365 * 24 * 3600 * 1000;
/** A token listing shows at most this many, newest first. */
const LIST_LIMIT = 1000;

/** A stored token as its owner (or an admin) may see it: the hint, never the value or its hash. */
export interface TokenRecord {
  _id: string;
  name: string;
  hint: string;
  user_id: string;
  username: string;
  roles: string[];
  created: Date;
  expire_at: Date | null;
}

export interface MintRequest {
  name: string;
  roles?: string[];
  /** Another user's id: admins only. */
  userId?: string;
}

export class Tokens {
  constructor(
    private readonly models: Models,
    private readonly credentials: Credentials,
  ) {}

  /** The user a token acts for; undefined when it is unknown, expired, revoked or its user disabled. */
  userFor(token: string): Promise<User | undefined> {
    return this.credentials.resolve(token);
  }

  /**
   * A new token, valid for a year; its value is returned once and never again. It carries the roles asked
   * for, which must be among the caller's (or, when an admin mints for another user, among that user's).
   */
  async mint(caller: User, req: MintRequest): Promise<{ id: string; token: string; expireAt: Date; roles: string[] }> {
    const forOther = req.userId !== undefined && req.userId !== caller.id;
    if (forOther && !isAdmin(caller.roles)) throw new Forbidden('permission [user:manage] not allowed: only an admin may mint a token for another user');
    const owner = (await this.models.User.findById(forOther ? req.userId : caller.id).lean()) as { _id: string; username: string; roles: string[]; disabled?: boolean } | null;
    if (!owner || owner.disabled) throw new NotFound('user', req.userId ?? caller.id);
    // A widget token without its integration would have no limits: only an integration issues one.
    if (owner.roles.includes('widget')) throw new Forbidden("widget tokens are issued by their integration (/integration/), not minted");
    const most = forOther ? owner.roles : caller.roles.filter((r) => owner.roles.includes(r));
    const roles = req.roles ?? most;
    const beyond = roles.filter((r) => !most.includes(r));
    if (beyond.length > 0) throw new Forbidden(`permission [${beyond.join(',')}] not allowed: a token may carry only the roles ${forOther ? 'its user has' : 'of the token that mints it'} (${most.join(', ') || 'none'})`);
    const token = generateToken();
    const expireAt = new Date(Date.now() + TOKEN_TTL_MS);
    const doc = await storeToken(this.models, token, { id: owner._id, username: owner.username, roles }, req.name || 'api token', { roles, expireAt });
    return { id: doc._id as string, token, expireAt, roles };
  }

  /** The caller's API tokens, newest first; an admin sees everyone's. */
  async list(caller: User): Promise<TokenRecord[]> {
    const filter = isAdmin(caller.roles) ? { kind: { $ne: 'login' } } : { user_id: caller.id, kind: { $ne: 'login' } };
    return (await this.models.ApiToken.find(filter).sort({ created: -1 }).limit(LIST_LIMIT).lean()) as TokenRecord[];
  }

  /** Deletes one of the caller's tokens (an admin: anyone's); every instance refuses it from now on. */
  async remove(caller: User, id: string): Promise<void> {
    const scope = isAdmin(caller.roles) ? { _id: id } : { _id: id, user_id: caller.id };
    const doc = await this.models.ApiToken.findOne({ ...scope, kind: { $ne: 'login' } }).lean();
    if (!doc) throw new NotFound('access token', id);
    await this.models.ApiToken.deleteOne({ _id: id });
    await this.credentials.announce({ credentialId: id });
  }
}
