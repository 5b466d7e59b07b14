// An MCP server as stored ↔ as read: env values are secrets (masked on GET, kept when the mask is sent
// back); search hits carry no config at all. Env is stored as name/value pairs: variable names are
// free-form keys FerretDB may refuse as object keys.
import { knownPaths, type SearchFields } from '../../search/fields';
import type { McpServerConfig } from '../../shared/tools';
import { InvalidInput } from '../errors';
import type { Stored } from '../record';
import { revealable, sameEndpoint, SECRET_MASK, secretPaths } from '../secrets';
import type { McpServerInput } from './schema';
import { mcpServerSchema } from '../../models/mcp-server';

export const MCP_SEARCH_FIELDS: SearchFields = {
  index: 'coco_mcp_server',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'category', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags'],
  // The whole config: its env holds secrets (SECRETS), and its args may.
  hidden: ['config', ...secretPaths('mcp_server')],
  known: knownPaths(mcpServerSchema),
};

type EnvPair = { name: string; value: string };
type StoredConfig = { command?: string; args?: string[]; env?: EnvPair[]; url?: string };

/** What runs a stdio server: a change here means stored env values are not handed to it unless sent again. */
const ENV_ENDPOINT = ['type', 'command', 'args'];

export function mcpToStored(input: McpServerInput, existing?: Stored): Record<string, unknown> {
  if (input.type !== 'stdio') return { ...input, config: { url: input.config.url } };
  const sameCommand = sameEndpoint(existing && { type: existing.type, ...(existing.config as StoredConfig) }, { type: input.type, ...input.config }, ENV_ENDPOINT);
  const before = new Map<string, string>(sameCommand ? ((existing?.config?.env as EnvPair[]) ?? []).map((p) => [p.name, p.value]) : []);
  const env = Object.entries(input.config.env).map(([name, value]) => {
    if (value !== SECRET_MASK) return { name, value };
    if (!sameCommand && existing) throw new InvalidInput(`config.env.${name}: the command or its args changed, so stored values are not given to it; send the value again`);
    // The mask stands for the stored value; with none stored (new or renamed variable) it would be saved as the value.
    if (!before.has(name)) throw new InvalidInput(`config.env.${name}: "${SECRET_MASK}" keeps a stored value, but ${name} has none; send the real value`);
    return { name, value: before.get(name) as string };
  });
  return { ...input, config: { command: input.config.command, args: input.config.args, env } };
}

/** GET: env names with masked values. */
export function mcpServerView(doc: Stored): Stored {
  const shown = revealable('mcp_server', doc, 'read');
  const c = (shown.config as { command?: string; args?: string[]; env?: Record<string, string>; url?: string }) ?? {};
  const config = doc.type === 'stdio' ? { command: c.command, args: c.args ?? [], env: c.env ?? {} } : { url: c.url };
  return { ...shown, config };
}

/** Search hits: no config at all (Coco drops it so env secrets never leak). */
export function mcpServerHitView(doc: Stored): Stored {
  const { config: _config, ...rest } = doc;
  return rest as Stored;
}

/** How a worker connects to the server, or null when it is disabled. */
export function runtimeConfig(doc: Stored): McpServerConfig | null {
  if (doc.enabled === false) return null;
  const c = (doc.config as StoredConfig | undefined) ?? {};
  return {
    id: doc._id,
    name: (doc.name as string | undefined) ?? doc._id,
    type: doc.type as McpServerConfig['type'],
    command: c.command,
    args: c.args,
    env: Object.fromEntries((c.env ?? []).map((p) => [p.name, p.value])),
    url: c.url,
    version: String((doc.updated as Date | undefined)?.getTime() ?? 0),
  };
}
