import { z } from 'zod';
import { BadRequestError } from '../../errors';
import type { TurnParams } from '../../../shared/chat';

export const MAX_MESSAGE_CHARS = 100_000;

export const SendBody = z.object({
  message: z.string().max(MAX_MESSAGE_CHARS, `message must be at most ${MAX_MESSAGE_CHARS} characters`).default(''),
  attachments: z.array(z.string()).max(50).default([]),
});
export type SendBody = z.infer<typeof SendBody>;

export const SessionUpdate = z.object({
  title: z.string().max(500).optional(),
  context: z.object({ attachments: z.array(z.string()).default([]) }).optional(),
});
export type SessionUpdate = z.infer<typeof SessionUpdate>;

type Query = Record<string, string | string[] | undefined>;

function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function flag(q: Query, name: string): boolean | null {
  const v = one(q, name);
  if (v === undefined || v === '') return null;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new BadRequestError(`${name}: expected true or false, got "${v}"`);
}

function ids(q: Query, name: string): string[] | null {
  const v = one(q, name);
  if (v === undefined || v.trim() === '') return null;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The RAG context of a chat request (coco-api.md §3.2). */
export function turnParams(q: Query): { assistantId: string; params: TurnParams } {
  return {
    assistantId: one(q, 'assistant_id')?.trim() || 'default',
    params: {
      search: flag(q, 'search') ?? false,
      deepThinking: flag(q, 'deep_thinking'),
      mcp: flag(q, 'mcp') ?? false,
      datasource: ids(q, 'datasource'),
      mcpServers: ids(q, 'mcp_servers'),
    },
  };
}
