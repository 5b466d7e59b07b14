// API token values: random 256-bit values handed out once; only their SHA-256 is stored (a slow hash adds
// nothing to a random 256-bit value). Listings show a masked hint.
import { createHash, randomBytes } from 'node:crypto';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return randomBytes(32).toString('hex');
}
