// API tokens: random 256-bit values handed out once; only their SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Models } from '../models';
import type { User } from '../api/context';

export const ADMIN_USER: Readonly<User> = Object.freeze({ id: 'admin', username: 'admin', roles: ['admin'] });

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

/** What listings show instead of the token: `abcd***************wxyz`. */
export function maskSecret(secret: string): string {
  if (!secret) return '';
  if (secret.length < 16) return '*'.repeat(8);
  return `${secret.slice(0, 4)}${'*'.repeat(15)}${secret.slice(-4)}`;
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

/** The token a request carries: X-API-TOKEN, or Authorization: Bearer. */
export function tokenFromHeaders(get: (name: string) => string): string | undefined {
  const apiToken = get('X-API-TOKEN').trim();
  if (apiToken) return apiToken;
  const auth = get('Authorization').trim();
  const m = auth.match(/^Bearer\s+(.+)$/i);
  return m ? (m[1] as string).trim() : undefined;
}
