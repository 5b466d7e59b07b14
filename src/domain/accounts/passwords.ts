// Password hashing with argon2id (OWASP's first choice; @node-rs/argon2 ships prebuilt binaries).
import { hash, verify } from '@node-rs/argon2';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** A hash of a random password: unknown users are checked against it, so they take as long as known ones. */
let decoy: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Whether the password matches; an empty or malformed hash never matches (but costs the same). */
export async function checkPassword(stored: string | undefined, password: string): Promise<boolean> {
  if (!stored) {
    decoy ??= hash(`decoy-${Math.random()}-${Date.now()}`);
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
