// A reply's chunks in OpenAI's terms: response text as `content`, thinking as `reasoning_content`, the
// reply_end reason as a finish_reason. Other steps (intent, sources, tool calls) are Coco's own and are not
// sent to OpenAI clients.
import type { MessageChunk } from '../../../shared/chat';

export type FinishReason = 'stop' | 'length' | 'error';
export type Delta = { role?: 'assistant'; content?: string; reasoning_content?: string };

/** What identifies one completion in every object sent for it. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export const completionMeta = (replyId: string, model: string): CompletionMeta => ({ id: `chatcmpl-${replyId}`, created: Math.floor(Date.now() / 1000), model });

/** How the reply ended, from its reply_end chunk ({"reason": ...}): cancelled replies stop like completed ones. */
export function finishReasonOf(end: MessageChunk): FinishReason {
  let reason: unknown;
  try {
    reason = (JSON.parse(end.message_chunk) as { reason?: unknown }).reason;
  } catch {
    reason = undefined;
  }
  if (reason === 'completed' || reason === 'user_cancelled') return 'stop';
  if (reason === 'length') return 'length';
  return 'error';
}

/** The delta a chunk adds to the answer, or undefined when it adds nothing an OpenAI client shows. */
export function deltaOf(chunk: MessageChunk): Delta | undefined {
  if (chunk.message_type !== 'assistant' || !chunk.message_chunk) return undefined;
  if (chunk.chunk_type === 'response') return { content: chunk.message_chunk };
  if (chunk.chunk_type === 'think') return { reasoning_content: chunk.message_chunk };
  return undefined;
}

export function chunkObject(meta: CompletionMeta, delta: Delta, finish: FinishReason | null = null) {
  return { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [{ index: 0, delta, finish_reason: finish }] };
}

/** A rough token count (about four characters a token): the server does not see the model's own usage. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

export function usageOf(promptText: string, completionText: string) {
  const prompt_tokens = estimateTokens(promptText);
  const completion_tokens = estimateTokens(completionText);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

/** The whole answer, gathered from the chunks (for `stream: false`). */
export class AnswerCollector {
  content = '';
  reasoning = '';
  finish: FinishReason | undefined;

  add(chunk: MessageChunk): void {
    if (chunk.chunk_type === 'reply_end') this.finish = finishReasonOf(chunk);
    const delta = deltaOf(chunk);
    if (delta?.content) this.content += delta.content;
    if (delta?.reasoning_content) this.reasoning += delta.reasoning_content;
  }

  completion(meta: CompletionMeta, promptText: string) {
    const message = { role: 'assistant', content: this.content, ...(this.reasoning && { reasoning_content: this.reasoning }) };
    return {
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      choices: [{ index: 0, message, finish_reason: this.finish ?? 'error', logprobs: null }],
      usage: usageOf(promptText, this.reasoning + this.content),
    };
  }
}
