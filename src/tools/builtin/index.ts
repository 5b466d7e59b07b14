// The builtin tools behind `tools.builtin.*`.
import type { BuiltinTools } from '../../shared/tools';
import type { ToolsConfig } from '../../config';
import { ToolError } from '../types';
import { calculate, calculatorSpec } from './calculator';
import { duckduckgo, duckduckgoSpec, scrape, scraperSpec, wikipedia, wikipediaSpec } from './web';

const SPECS = { calculator: calculatorSpec, wikipedia: wikipediaSpec, duckduckgo: duckduckgoSpec, scraper: scraperSpec };

export function builtinTools(enabled: BuiltinTools) {
  return (Object.keys(SPECS) as Array<keyof BuiltinTools>).filter((k) => enabled[k]).map((k) => SPECS[k]);
}

export async function runBuiltin(name: string, args: Record<string, unknown>, cfg: ToolsConfig, signal?: AbortSignal): Promise<string> {
  switch (name) {
    case 'calculator':
      return calculate(args);
    case 'wikipedia':
      return wikipedia(args, cfg, signal);
    case 'duckduckgo':
      return duckduckgo(args, cfg, signal);
    case 'scraper':
      return scrape(args, cfg, signal);
    default:
      throw new ToolError(`unknown builtin tool ${name}`);
  }
}
