import { BadRequestError } from '../../errors';
import type { SearchFields } from '../../../search/fields';
import { baseSource, Stored } from '../resource';
import type { McpServerInput } from './schema';

/** What GET shows instead of an env value; sending it back on PUT keeps the stored value. */
export const ENV_MASK = '******';

export const MCP_SEARCH_FIELDS: SearchFields = {
  index: 'coco_mcp_server',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'category', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags'],
  hidden: ['config'],
};

type EnvPair = { name: string; value: string };

export function mcpToStored(input: McpServerInput, existing?: Stored): Record<string, unknown> {
  if (input.type !== 'stdio') return { ...input, config: { url: input.config.url } };
  const before = new Map<string, string>(((existing?.config?.env as EnvPair[]) ?? []).map((p) => [p.name, p.value]));
  const env = Object.entries(input.config.env).map(([name, value]) => {
    if (value !== ENV_MASK) return { name, value };
    // The mask stands for the stored value; with none stored (new or renamed variable) it would be saved as the value.
    if (!before.has(name)) throw new BadRequestError(`config.env.${name}: "${ENV_MASK}" keeps a stored value, but ${name} has none; send the real value`);
    return { name, value: before.get(name) as string };
  });
  return { ...input, config: { command: input.config.command, args: input.config.args, env } };
}

/** get: env names with masked values. */
export function presentMcpServer(doc: Stored): Record<string, unknown> {
  const out = baseSource(doc);
  const c = (doc.config as { command?: string; args?: string[]; env?: EnvPair[]; url?: string }) ?? {};
  out.config =
    doc.type === 'stdio'
      ? { command: c.command, args: c.args ?? [], env: Object.fromEntries((c.env ?? []).map((p) => [p.name, ENV_MASK])) }
      : { url: c.url };
  return out;
}

/** search hits: no config at all (Coco drops it so env secrets never leak). */
export function presentMcpServerHit(doc: Stored): Record<string, unknown> {
  return baseSource(doc, ['config']);
}
