// API tokens: random 256-bit values handed out once; only their SHA-256 is stored (listings show a masked
// hint). Each belongs to a user and carries that user's roles.
import { createHash, randomBytes } from 'node:crypto';
import type { Models } from '../models';
import { InvalidInput, NotFound } from './errors';
import { maskSecret } from './secrets';
import type { User } from './users';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

export async function storeToken(models: Models, token: string, user: User, name: string, expireAt: Date | null = null) {
  return models.ApiToken.create({
    name,
    hash: hashToken(token),
    hint: maskSecret(token),
    user_id: user.id,
    username: user.username,
    roles: user.roles,
    expire_at: expireAt,
  });
}

/**
 * Token → user lookups are cached for a few seconds: every request and chunk stream needs one, and the
 * embedded database serialises reads. A deleted token stops working here at once and elsewhere within TTL.
 */
const CACHE_TTL_MS = 5000;
const cache = new Map<string, { user: User | undefined; until: number }>();

export function forgetCachedTokens(): void {
  cache.clear();
}

export async function userForToken(models: Models, token: string): Promise<User | undefined> {
  if (!token || token.length > 512) return undefined;
  const key = hashToken(token);
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.user;
  const user = await lookupToken(models, token);
  if (cache.size > 10_000) cache.clear();
  // Unknown tokens are not cached: a token created a moment later must work at once.
  if (user) cache.set(key, { user, until: Date.now() + CACHE_TTL_MS });
  return user;
}

async function lookupToken(models: Models, token: string): Promise<User | undefined> {
  const doc = (await models.ApiToken.findOne({ hash: hashToken(token) }).lean()) as { user_id: string; username: string; roles: string[]; expire_at: Date | null } | null;
  if (!doc) return undefined;
  if (doc.expire_at && doc.expire_at.getTime() < Date.now()) return undefined;
  return { id: doc.user_id, username: doc.username, roles: doc.roles };
}

const TOKEN_TTL_MS = 365 * 24 * 3600 * 1000;

/** A stored token as its owner may see it: the hint, never the value or its hash. */
export interface TokenRecord {
  _id: string;
  name: string;
  hint: string;
  created: Date;
  expire_at: Date | null;
}

/** The tokens of a user: minted, listed, deleted. */
export class Tokens {
  constructor(private readonly models: Models) {}

  /** The user a token belongs to; undefined when it is unknown or expired. */
  userFor(token: string): Promise<User | undefined> {
    return userForToken(this.models, token);
  }

  /** A new token for `user`, valid for a year; its value is returned once and never again. */
  async mint(user: User, name: string): Promise<{ id: string; token: string; expireAt: Date }> {
    const token = generateToken();
    const expireAt = new Date(Date.now() + TOKEN_TTL_MS);
    const doc = await storeToken(this.models, token, user, name || 'api token', expireAt);
    return { id: doc._id as string, token, expireAt };
  }

  /** The user's tokens, newest first. */
  async list(user: User): Promise<TokenRecord[]> {
    return (await this.models.ApiToken.find({ user_id: user.id }).sort({ created: -1 }).lean()) as TokenRecord[];
  }

  /** Deletes one of the user's tokens; the last one stays, so the user can still sign in. */
  async remove(user: User, id: string): Promise<void> {
    const count = await this.models.ApiToken.countDocuments({ user_id: user.id });
    const doc = await this.models.ApiToken.findOne({ _id: id, user_id: user.id }).lean();
    if (!doc) throw new NotFound('access token', id);
    if (count <= 1) throw new InvalidInput('cannot delete the last access token of this user');
    await this.models.ApiToken.deleteOne({ _id: id });
    forgetCachedTokens();
  }
}
