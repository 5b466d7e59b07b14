// Connector configs hold whatever a connector needs, credentials included (a Notion or GitHub token, S3
// keys). GET shows the values of secret-looking keys masked; a PUT that sends the mask back keeps the
// stored value at that place, as model provider keys and MCP env values do. Other values stay readable
// (URLs, paths, feed lists), so the admin UI can edit the config as JSON.
import { BadRequestError } from '../../errors';
import { ENV_MASK } from '../mcp-server/presenter';

/** The same mask as MCP env values: "******". */
export const CONFIG_MASK = ENV_MASK;
const SECRET_KEY = /token|secret|passw(or)?d|api[-_.]?key|access[-_.]?key|private[-_.]?key|credential|authorization|cookie/i;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSecret = (key: string, value: unknown) => SECRET_KEY.test(key) && typeof value === 'string' && value !== '';

/** The config as GET shows it: every non-empty string under a secret-looking key masked, at any depth. */
export function maskConfig(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskConfig);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecret(k, v) ? CONFIG_MASK : maskConfig(v)]));
}

/** The config to store: a mask sent back under a secret-looking key stands for the stored value there. */
export function unmaskConfig(input: unknown, stored: unknown, path = 'connector.config'): unknown {
  if (Array.isArray(input)) return input.map((v, i) => unmaskConfig(v, Array.isArray(stored) ? stored[i] : undefined, `${path}[${i}]`));
  if (!isObject(input)) return input;
  const before = isObject(stored) ? stored : {};
  return Object.fromEntries(
    Object.entries(input).map(([k, v]) => {
      if (v !== CONFIG_MASK || !SECRET_KEY.test(k)) return [k, unmaskConfig(v, before[k], `${path}.${k}`)];
      // With nothing stored there (a new key, or a new datasource), the mask would be saved as the secret.
      if (!isSecret(k, before[k])) throw new BadRequestError(`${path}.${k}: "${CONFIG_MASK}" keeps a stored value, but there is none; send the real value`);
      return [k, before[k]];
    }),
  );
}
