// What is secret in a record, and how it is shown and kept. Provider keys and API tokens show their last
// 4 characters (`***************wxyz`); MCP env values and connector credentials show `******`. Sending a
// mask back on PUT keeps the stored value (a form can round-trip a record without knowing its secrets),
// unless the endpoint the secret goes to changed: then the secret must be sent again.
import { deserialize } from '../models/base';
import { isObject } from '../shared/objects';
import { InvalidInput } from './errors';
import type { Stored } from './record';

/**
 * How a read shows a secret: `last4` the key's last 4 characters; `masked-values` a name → value list with
 * every value masked; `masked-credentials` serialized connector JSON with its credential-looking keys
 * masked (shown parsed, beside it); `never` nothing at all.
 */
export type SecretDisplay = 'last4' | 'masked-values' | 'masked-credentials' | 'never';

/**
 * Every secret the store keeps, per kind of record, and how reads show it: the one list. Reads (GET) and
 * search hits go through `revealable`; search, sort and aggregations refuse these paths and their parents
 * (each resource's SearchFields.hidden is built from `secretPaths`); logs redact the same names (pino paths
 * in infra/logger.ts); the admin UI only ever receives what `revealable` left.
 */
export const SECRETS = {
  model_provider: { api_key: 'last4' },
  mcp_server: { 'config.env': 'masked-values' },
  datasource: { 'connector.config_json': 'masked-credentials' },
  user: { password_hash: 'never' },
  access_token: { hash: 'never' },
} as const satisfies Record<string, Record<string, SecretDisplay>>;

export type SecretKind = keyof typeof SECRETS;

/** The stored paths of a kind's secrets (for SearchFields.hidden). */
export function secretPaths(kind: SecretKind): string[] {
  return Object.keys(SECRETS[kind]);
}

/**
 * A stored record as a caller may see it: each secret shown as SECRETS says, for a `read` (GET); a search
 * `hit` shows no secret at all, not even a mask (Coco's hits never carry them).
 */
export function revealable(kind: SecretKind, doc: Stored, where: 'read' | 'hit'): Stored {
  const out: Record<string, unknown> = structuredClone(doc);
  for (const [path, display] of Object.entries(SECRETS[kind]) as Array<[string, SecretDisplay]>) {
    const keys = path.split('.');
    const leaf = keys.pop() as string;
    const parent = keys.reduce<Record<string, unknown> | undefined>((o, k) => (isObject(o?.[k]) ? (o![k] as Record<string, unknown>) : undefined), out);
    if (!parent || !(leaf in parent)) continue;
    const value = parent[leaf];
    delete parent[leaf];
    if (where === 'hit' && display !== 'masked-credentials') continue;
    if (display === 'last4') parent[leaf] = maskSecret(typeof value === 'string' ? value : '');
    else if (display === 'masked-values') parent[leaf] = Object.fromEntries((Array.isArray(value) ? (value as Array<{ name: string }>) : []).map((p) => [p.name, SECRET_MASK]));
    else if (display === 'masked-credentials') parent[leaf.replace(/_json$/, '')] = maskConfig(deserialize(value));
  }
  return out as Stored;
}

/** What GET shows instead of an MCP env value or a connector credential. */
export const SECRET_MASK = '******';

/**
 * What reads show instead of a key or token: at most its last 4 characters (`***************wxyz`), and
 * nothing of a short one (`********`). The start of a key often names its kind (`sk-proj-`): not shown.
 */
export function maskSecret(secret: string): string {
  if (!secret) return '';
  if (secret.length < 16) return '*'.repeat(8);
  return `${'*'.repeat(15)}${secret.slice(-4)}`;
}

/** The shapes maskSecret() produces, now and before (first 4 and last 4 shown). No real key looks like this. */
export const MASKED_SECRET = /^(\*{8}|\*{15}.{4}|.{4}\*{15}.{4})$/s;

/**
 * Whether a secret stored for one endpoint may be kept for the record as it is now: not when the endpoint
 * it is sent to changed (a new base URL, a new command): it would be handed to whoever runs there.
 */
export function sameEndpoint(before: Record<string, unknown> | undefined, after: Record<string, unknown>, keys: string[]): boolean {
  return !before || keys.every((k) => JSON.stringify(before[k] ?? null) === JSON.stringify(after[k] ?? null));
}

/** Keys of a connector config whose string values are credentials. */
const SECRET_KEY = /token|secret|passw(or)?d|api[-_.]?key|access[-_.]?key|private[-_.]?key|credential|authorization|cookie/i;
const isSecret = (key: string, value: unknown) => SECRET_KEY.test(key) && typeof value === 'string' && value !== '';

/** A config as GET shows it: every non-empty string under a secret-looking key masked, at any depth. */
export function maskConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskConfig);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecret(k, v) ? SECRET_MASK : maskConfig(v)]));
}

/** The config to store: a mask sent back under a secret-looking key stands for the stored value there. */
export function unmaskConfig(input: unknown, stored: unknown, path: string): unknown {
  if (Array.isArray(input)) return input.map((v, i) => unmaskConfig(v, Array.isArray(stored) ? stored[i] : undefined, `${path}[${i}]`));
  if (!isObject(input)) return input;
  const before = isObject(stored) ? stored : {};
  return Object.fromEntries(
    Object.entries(input).map(([k, v]) => {
      if (v !== SECRET_MASK || !SECRET_KEY.test(k)) return [k, unmaskConfig(v, before[k], `${path}.${k}`)];
      // With nothing stored there (a new key, or a new record), the mask would be saved as the secret.
      if (!isSecret(k, before[k])) throw new InvalidInput(`${path}.${k}: "${SECRET_MASK}" keeps a stored value, but there is none; send the real value`);
      return [k, before[k]];
    }),
  );
}
