// Login tokens: HS256 JWTs (jose) signed with a secret generated once and shared by every instance through
// the store. A JWT says who and which login (`jti`); the login's record decides whether it still works.
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Models } from '../../models';
import { isDuplicateKey } from '../record';

const SECRET_ID = 'login_jwt_secret';
const ISSUER = 'coco-durable-server';

export interface LoginClaims {
  userId: string;
  loginId: string;
}

/** A JWT has three base64url parts; API tokens are hex. */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

export class LoginSigner {
  private key?: Promise<Uint8Array>;

  constructor(private readonly models: Models) {}

  /** The secret: stored once by whichever instance starts first; the others read it. */
  private secret(): Promise<Uint8Array> {
    this.key ??= (async () => {
      const found = (await this.models.ServerSetting.findById(SECRET_ID).lean()) as { value: string } | null;
      if (found) return Buffer.from(found.value, 'base64');
      try {
        await this.models.ServerSetting.create({ _id: SECRET_ID, value: randomBytes(32).toString('base64') });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const stored = (await this.models.ServerSetting.findById(SECRET_ID).lean()) as { value: string };
      return Buffer.from(stored.value, 'base64');
    })().catch((err) => {
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  async sign(claims: LoginClaims, expireAt: Date): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setJti(claims.loginId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expireAt.getTime() / 1000))
      .sign(await this.secret());
  }

  /** The claims of a valid, unexpired JWT of ours; undefined for anything else. */
  async verify(token: string): Promise<LoginClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, await this.secret(), { issuer: ISSUER, algorithms: ['HS256'] });
      if (!payload.sub || !payload.jti) return undefined;
      return { userId: payload.sub, loginId: payload.jti };
    } catch (err) {
      if (err instanceof errors.JOSEError) return undefined;
      throw err;
    }
  }
}
