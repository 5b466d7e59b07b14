// The seed page's curl examples (../shared/seed/assistant-api.txt), read as a client would send them.
import fs from 'node:fs';
import path from 'node:path';

export const SEED_FILE = path.resolve(__dirname, '..', '..', '..', 'shared', 'seed', 'assistant-api.txt');

export interface SeedRequest {
  title: string;
  method: string;
  path: string;
  body?: string;
}

/** Each "//request" block: the curl's method, URL path and -d body, exactly as printed. */
export function seedRequests(): SeedRequest[] {
  const text = fs.readFileSync(SEED_FILE, 'utf8');
  const out: SeedRequest[] = [];
  const re = /^(.+?) #\n(?:\/\/request\n)?(curl [^\n]*?-X ?(GET|POST|PUT|DELETE)[^\n]*?http:\/\/localhost:9000(\/[^\s"']*)["']?(?: -d ?'([\s\S]*?)')?)(?=\n\/\/response|\n[A-Z][^\n]* #|$)/gm;
  for (const m of text.matchAll(re)) {
    out.push({ title: m[1]!.trim(), method: m[3]!, path: m[4]!, body: m[5] });
  }
  return out;
}

export function seedRequest(title: string): SeedRequest {
  const r = seedRequests().find((s) => s.title === title);
  if (!r) throw new Error(`no "${title}" example in ${SEED_FILE}`);
  return r;
}
