// The body of POST /v1/chat/completions as OpenAI clients send it. Only the last user message becomes the
// turn's text (the session keeps the history); sampling settings and the like are accepted and left to the
// assistant's own model settings.
import { z } from 'zod';
import { MAX_MESSAGE_CHARS } from '../chat/schema';

const TextPart = z.object({ type: z.string(), text: z.string().optional() }).passthrough();

const Message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z.union([z.string(), z.array(TextPart), z.null()]).optional(),
  })
  .passthrough();

export const CompletionBody = z
  .object({
    model: z.string().trim().min(1, 'model is required (an assistant id)'),
    messages: z.array(Message).min(1, 'messages must hold at least one message'),
    stream: z.boolean().nullish(),
    user: z.string().nullish(),
    // Accepted for compatibility; the assistant's model settings apply.
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    max_tokens: z.number().nullish(),
    max_completion_tokens: z.number().nullish(),
    n: z.number().int().min(1).max(1, 'n: only 1 choice is supported').nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).passthrough().nullish(),
  })
  .passthrough();
export type CompletionBody = z.infer<typeof CompletionBody>;

/** A message's text: a string, or its text parts joined. */
export function textOf(content: z.infer<typeof Message>['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

/** The turn's text: the last user message (empty when there is none, or it holds no text). */
export function lastUserText(body: CompletionBody): { text: string; index: number } {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m = body.messages[i]!;
    if (m.role === 'user') return { text: textOf(m.content).trim(), index: i };
  }
  return { text: '', index: -1 };
}

export { MAX_MESSAGE_CHARS };
