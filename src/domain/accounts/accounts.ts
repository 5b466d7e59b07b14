// Signing in and out with a password, as Coco does: a login is a stored credential (kind "login") and a
// JWT naming it, valid for 24 hours or until logout. A wrong password and an unknown user get the same
// answer in the same time; repeated failures are slowed down (login-throttle.ts).
import type { Models } from '../../models';
import { newId } from '../../shared/ids';
import type { Credentials } from '../auth/credentials';
import type { LoginThrottle } from '../auth/login-throttle';
import { hashToken } from '../auth/token-values';
import { DomainError, InvalidInput } from '../errors';
import type { Stored } from '../record';
import type { User } from '../users';
import { checkPassword, hashPassword } from './passwords';
import type { Users } from './users';

export const LOGIN_TTL_MS = 24 * 3600 * 1000;

/** Wrong username or password: the same reason either way. */
export class BadCredentials extends DomainError {
  constructor() {
    super('invalid username or password');
  }
}

/** Too many failed logins from this name or address: try again later. */
export class LoginBlocked extends DomainError {
  constructor(readonly retryAfterSec: number) {
    super(`too many failed logins: try again in ${retryAfterSec} s`);
  }
}

export interface LoginResult {
  token: string;
  expireAt: Date;
  user: Stored;
}

export class Accounts {
  constructor(
    private readonly models: Models,
    private readonly users: Users,
    private readonly credentials: Credentials,
    private readonly throttle: LoginThrottle,
  ) {}

  async login(username: string, password: string, addr: string): Promise<LoginResult> {
    const wait = await this.throttle.waitSeconds(username, addr);
    if (wait > 0) throw new LoginBlocked(wait);
    const user = await this.users.findByUsername(username);
    const ok = await checkPassword(user?.password_hash as string | undefined, password);
    if (!user || !ok || user.disabled) {
      await this.throttle.failed(username, addr);
      throw new BadCredentials();
    }
    await this.throttle.succeeded(username, addr);
    const expireAt = new Date(Date.now() + LOGIN_TTL_MS);
    const loginId = newId();
    const token = await this.credentials.signer.sign({ userId: user._id, loginId }, expireAt);
    await this.models.ApiToken.create({ _id: loginId, kind: 'login', name: 'login', hash: hashToken(token), user_id: user._id, username: user.username, roles: user.roles, expire_at: expireAt });
    return { token, expireAt, user };
  }

  /** Ends the caller's login (an API token is not a login: nothing happens to it). */
  async logout(caller: User): Promise<void> {
    if (!caller.credentialId) return;
    const removed = await this.models.ApiToken.deleteOne({ _id: caller.credentialId, kind: 'login' });
    if (removed.deletedCount) await this.credentials.announce({ credentialId: caller.credentialId });
  }

  async profile(caller: User): Promise<Stored | null> {
    return (await this.models.User.findById(caller.id).lean()) as Stored | null;
  }

  /** Changes the caller's password; their other logins end (this one and API tokens stay). */
  async changePassword(caller: User, oldPassword: string, newPassword: string): Promise<void> {
    const user = await this.profile(caller);
    if (!user || !(await checkPassword(user.password_hash as string | undefined, oldPassword))) throw new InvalidInput('old_password is not correct');
    await this.models.User.updateOne({ _id: user._id }, { $set: { password_hash: await hashPassword(newPassword) } });
    await this.models.ApiToken.deleteMany({ user_id: user._id, kind: 'login', _id: { $ne: caller.credentialId ?? '' } });
    await this.credentials.announce({ userId: user._id });
  }
}
