// From a token to the user a request acts for: an API token (found by its hash) or a login JWT (checked,
// then found by its id), then its user, who must exist and not be disabled; the roles are the token's,
// less any the user no longer has. Answers are cached briefly per instance; every change that takes a
// credential away (token deleted, logout, user disabled, deleted or re-roled) is announced on a Redis
// channel, and every instance forgets what it cached and closes that credential's sockets at once.
import type { Models } from '../../models';
import type { Redis } from '../../infra/redis';
import { limitsOf } from '../integrations/records';
import type { Stored } from '../record';
import type { User } from '../users';
import { LoginSigner, looksLikeJwt } from './jwt';
import { hashToken } from './token-values';

/** What was taken away: one credential, every credential of a user, or (after a missed notice) anything. */
export type CredentialChange = { credentialId: string } | { userId: string } | { all: true };

/** How long an instance trusts a cached answer when it heard of no change (notices make changes immediate). */
const CACHE_TTL_MS = 5000;
const CACHE_MAX = 10_000;

interface StoredCredential {
  _id: string;
  kind?: string;
  user_id: string;
  roles: string[];
  expire_at: Date | null;
  integration_id?: string;
}

interface StoredUser {
  _id: string;
  username: string;
  roles: string[];
  disabled?: boolean;
}

export class Credentials {
  private readonly cache = new Map<string, { user: User | undefined; until: number }>();
  /** Counts the changes heard: a lookup that overlapped one is not cached. */
  private generation = 0;
  readonly signer: LoginSigner;

  constructor(
    private readonly models: Models,
    private readonly redis: Redis,
    /** The Redis channel changes are announced on (one per deployment prefix). */
    readonly channel: string,
  ) {
    this.signer = new LoginSigner(models);
  }

  /** The user a token acts for; undefined when it is unknown, expired, revoked or its user is disabled. */
  async resolve(token: string): Promise<User | undefined> {
    if (!token || token.length > 2048) return undefined;
    const key = hashToken(token);
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.user;
    const generation = this.generation;
    const found = await this.lookup(token);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    // Unknown tokens are not cached: a token created a moment later must work at once. A known one is
    // trusted no longer than it is valid, and not at all if a change was heard while it was looked up
    // (the answer may predate it).
    if (found && generation === this.generation) this.cache.set(key, { user: found.user, until: Math.min(Date.now() + CACHE_TTL_MS, found.expiresAt) });
    return found?.user;
  }

  private async lookup(token: string): Promise<{ user: User; expiresAt: number } | undefined> {
    let credential: StoredCredential | null;
    if (looksLikeJwt(token)) {
      const claims = await this.signer.verify(token);
      if (!claims) return undefined;
      credential = (await this.models.ApiToken.findOne({ _id: claims.loginId, kind: 'login', user_id: claims.userId }).lean()) as StoredCredential | null;
    } else {
      credential = (await this.models.ApiToken.findOne({ hash: hashToken(token) }).lean()) as StoredCredential | null;
      if (credential?.kind === 'login') return undefined; // a login is used as its JWT only
    }
    if (!credential) return undefined;
    const expiresAt = credential.expire_at ? new Date(credential.expire_at).getTime() : Infinity;
    if (expiresAt <= Date.now()) return undefined;
    const [user, integration] = await Promise.all([
      this.models.User.findById(credential.user_id).lean() as Promise<StoredUser | null>,
      credential.integration_id ? (this.models.Integration.findById(credential.integration_id).lean() as Promise<Stored | null>) : undefined,
    ]);
    if (!user || user.disabled) return undefined;
    // A widget token works only while its integration exists and is enabled.
    if (credential.integration_id && (!integration || integration.enabled === false)) return undefined;
    const principal: User = {
      id: user._id,
      username: user.username,
      roles: credential.roles.filter((r) => user.roles.includes(r)),
      credentialId: credential._id,
      ...(integration && { integration: limitsOf(integration) }),
    };
    return { user: principal, expiresAt };
  }

  /** Tells every instance (this one at once) that a credential, or a user's, was taken away or changed. */
  async announce(change: CredentialChange): Promise<void> {
    this.forget(change);
    // With Redis away the other instances miss the notice; they stop trusting their cache within its TTL.
    await this.redis.publish(this.channel, JSON.stringify(change)).catch(() => undefined);
  }

  /** Drops what this instance cached for the change. */
  forget(change: CredentialChange): void {
    this.generation++;
    if ('all' in change) return this.cache.clear();
    for (const [key, entry] of this.cache) {
      const u = entry.user;
      if (!u) continue;
      if (('credentialId' in change && u.credentialId === change.credentialId) || ('userId' in change && u.id === change.userId)) this.cache.delete(key);
    }
  }

  /** Parses a change notice from the channel; anything unreadable means "forget everything". */
  static parseChange(message: string): CredentialChange {
    try {
      const c = JSON.parse(message) as Record<string, unknown>;
      if (typeof c.credentialId === 'string') return { credentialId: c.credentialId };
      if (typeof c.userId === 'string') return { userId: c.userId };
    } catch {
      /* fall through */
    }
    return { all: true };
  }
}
