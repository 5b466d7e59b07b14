// A reply as OpenAI's server-sent events: a first chunk with the role, a chunk per text or reasoning
// delta, a last chunk with the finish_reason (and usage when asked for), then `data: [DONE]`. A relay that
// cannot go on ends with an error event (OpenAI clients throw it) that says where to resume.
import { openStream, relayEnded, relayReply, type StreamDeps } from '../../chat/ndjson';
import type { MessageChunk } from '../../../shared/chat';
import type { AppContext } from '../../context';
import { chunkObject, deltaOf, finishReasonOf, usageOf, type CompletionMeta } from './chunks';
import { openAiErrorBody } from './errors';

export interface SseOptions {
  sessionId: string;
  replyId: string;
  meta: CompletionMeta;
  includeUsage: boolean;
  promptText: string;
  /** Aborted when the client goes away: the relay stops. */
  signal: AbortSignal;
  /** Told once the reply's end was relayed. */
  onEnd(): void;
}

export function streamCompletionAsSse(ctx: AppContext, deps: StreamDeps, o: SseOptions) {
  const out = openStream(ctx, 'text/event-stream');
  const event = (value: unknown) => out.write(`data: ${JSON.stringify(value)}\n\n`);
  event(chunkObject(o.meta, { role: 'assistant', content: '' }));

  let completion = '';
  const send = (chunk: MessageChunk) => {
    if (chunk.chunk_type === 'reply_end') {
      event(chunkObject(o.meta, {}, finishReasonOf(chunk)));
      if (o.includeUsage) event({ ...chunkObject(o.meta, {}), choices: [], usage: usageOf(o.promptText, completion) });
      out.write('data: [DONE]\n\n');
      o.onEnd();
      return;
    }
    const delta = deltaOf(chunk);
    if (!delta) return;
    completion += delta.content ?? delta.reasoning_content ?? '';
    event(chunkObject(o.meta, delta));
  };
  const fail = (how: 'stalled' | 'gap', lastSeq: number) => {
    const ended = relayEnded(how, o.sessionId, o.replyId, lastSeq, deps.idleMs);
    event(openAiErrorBody(ended.status, ended.error.reason, null, how === 'stalled' ? 'reply_stalled' : 'reply_gap'));
  };
  relayReply(deps, o.replyId, 0, o.signal, send, fail).then(
    () => out.end(),
    (err) => {
      ctx.state.log.error({ err }, 'completion stream failed');
      event(openAiErrorBody(500, 'the reply stream failed'));
      out.end();
    },
  );
}
