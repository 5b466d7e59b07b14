// The chat pipeline's activities: load the turn's context, stream the answer, finalize the reply.
// Built by a factory over their clients; every chunk goes out through a ReplyPublisher.
import { activityInfo, ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { presentAssistant } from '../api/routes/assistant/presenter';
import { requestCancel } from '../bus/cancel';
import type { CancelWatcher } from '../bus/cancel';
import type { BusKeys } from '../bus/keys';
import { PublisherOptions, ReplyPublisher } from '../bus/publisher';
import type { Logger } from '../infra/logger';
import type { Models } from '../models';
import type { Redis } from '../infra/redis';
import type { AnswerResult, HistoryEntry, MessageChunk, ReplyEndReason, Turn, TurnContext } from '../shared/chat';
import { parseDuration } from '../shared/chat';
import { renderTemplate } from '../shared/template';
import { isAbort, isPermanentProviderError, streamChat } from './llm';

export interface ChatActivityDeps {
  logger: Logger;
  models: Models;
  redis: Redis;
  keys: BusKeys;
  cancels: CancelWatcher;
  publisher: PublisherOptions;
}

const HISTORY_TEXT_LIMIT = 1000;
const DEFAULT_KEEPALIVE_MS = 30 * 60_000;
const ANSWER_DEFAULTS = { temperature: 0.8, max_tokens: 1024 };
export const CONTINUE_PROMPT = 'Continue your previous answer exactly where it stopped. Do not repeat anything already written.';

/** The parts of a loaded assistant (defaults applied) the chat steps read. */
interface AssistantView {
  enabled?: boolean;
  role_prompt: string;
  keepalive?: string;
  answering_model?: { provider_id?: string; name?: string; settings?: Record<string, unknown>; prompt?: { template?: string } };
  chat_settings?: { history_message?: { number?: number } };
}

type FinalInput = AnswerResult | { reason: 'error'; error: string };

function permanent(message: string, type = 'ChatConfigError'): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** Chunks of one kind already published for this reply, joined: what the client has seen. */
function textOf(chunks: MessageChunk[], type: 'think' | 'response'): string {
  return chunks.filter((c) => c.chunk_type === type && c.message_type === 'assistant').map((c) => c.message_chunk).join('');
}

function historyText(history: HistoryEntry[]): string {
  if (history.length === 0) return '';
  return `<conversation>\n${history.map((h) => `${h.role}: ${h.text}`).join('\n\n')}\n</conversation>`;
}

export function createChatActivities(deps: ChatActivityDeps) {
  const { models, redis, keys } = deps;
  const openPublisher = (turn: Turn) => ReplyPublisher.open(redis, keys, turn, deps.publisher);

  return {
    async loadContext(turn: Turn): Promise<TurnContext> {
      const stored = await models.Assistant.findById(turn.assistantId).lean();
      if (!stored) throw permanent(`assistant [${turn.assistantId}] is not found`);
      const a = presentAssistant(stored) as unknown as AssistantView;
      if (!a.enabled) throw permanent(`assistant [${turn.assistantId}] is not enabled`);
      const m = a.answering_model ?? {};
      if (!m.provider_id || !m.name) throw permanent(`assistant [${turn.assistantId}] has no answering model configured. Please set it up first`);
      const provider = (await models.ModelProvider.findById(m.provider_id).lean()) as { enabled?: boolean; models?: unknown[] } | null;
      if (!provider) throw permanent(`model provider [${m.provider_id}] is not found`);
      if (!provider.enabled) throw permanent(`model provider [${m.provider_id}] is not enabled`);

      // Settings: the assistant's value if set, else the provider's entry for that model, else the step default.
      const fromProvider = ((provider.models ?? []) as Array<{ name: string; settings?: Record<string, unknown> }>).find((x) => x.name === m.name)?.settings ?? {};
      const settings: Record<string, unknown> = { ...ANSWER_DEFAULTS };
      for (const source of [fromProvider, m.settings ?? {}]) {
        for (const [k, v] of Object.entries(source)) if (v !== 0 && v !== undefined && v !== null) settings[k] = v;
      }

      const n = a.chat_settings?.history_message?.number ?? 5;
      const previous =
        n > 0
          ? ((await models.ChatMessage.find({ session_id: turn.sessionId, _id: { $ne: turn.userMessageId } })
              .sort({ created: -1, _id: -1 })
              .limit(n)
              .lean()) as Array<{ type: string; message: string }>)
          : [];
      const history = previous
        .reverse()
        .filter((p) => p.type === 'user' || p.type === 'assistant')
        .map((p) => ({
          role: p.type as 'user' | 'assistant',
          text: p.message.length > HISTORY_TEXT_LIMIT ? `${p.message.slice(0, HISTORY_TEXT_LIMIT)}...` : p.message,
        }));

      return {
        assistantId: turn.assistantId,
        rolePrompt: a.role_prompt,
        answerTemplate: m.prompt?.template ?? '{{.query}}',
        model: { providerId: m.provider_id, name: m.name, settings },
        keepaliveMs: parseDuration(a.keepalive ?? '30m', DEFAULT_KEEPALIVE_MS),
        history,
      };
    },

    /**
     * Streams the answer. A retried attempt (after a crash) reads what the client already received from
     * the reply's log, publishes nothing twice, and asks the model to continue from that text.
     */
    async answer(turn: Turn, ctx: TurnContext): Promise<AnswerResult> {
      const { publisher, logged } = await openPublisher(turn);
      let text = textOf(logged.chunks, 'response');
      let think = textOf(logged.chunks, 'think');
      const resumed = logged.chunks.some((c) => c.chunk_type === 'response');
      if (!resumed) await publisher.send('response', ''); // Coco's empty marker opens the answer

      const provider = (await models.ModelProvider.findById(ctx.model.providerId).lean()) as { base_url?: string; api_key?: string } | null;
      if (!provider) throw permanent(`model provider [${ctx.model.providerId}] is not found`);

      const abort = new AbortController();
      let cancelled = false;
      const stopWatching = await deps.cancels.watch(turn.replyId, () => {
        cancelled = true;
        abort.abort();
      });
      const onTemporalCancel = () => abort.abort();
      Context.current().cancellationSignal.addEventListener('abort', onTemporalCancel);

      const context = ctx.history.length ? `\nConversation:\n${historyText(ctx.history)}\n` : '';
      const messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> = [
        { role: 'system', content: ctx.rolePrompt },
        { role: 'user', content: renderTemplate(ctx.answerTemplate, { query: turn.text, context, history: historyText(ctx.history) }) },
      ];
      if (text) messages.push({ role: 'assistant', content: text }, { role: 'user', content: CONTINUE_PROMPT });

      let lastBeat = 0;
      const beat = () => {
        const now = Date.now();
        if (now - lastBeat < 1000) return;
        lastBeat = now;
        heartbeat({ lastSeq: publisher.lastSeq, chars: text.length });
      };
      heartbeat({ lastSeq: publisher.lastSeq, chars: text.length, attempt: activityInfo().attempt });

      try {
        if (!cancelled) {
          await streamChat({
            baseUrl: provider.base_url ?? '',
            apiKey: provider.api_key ?? '',
            model: ctx.model.name,
            messages,
            settings: ctx.model.settings,
            signal: abort.signal,
            onDelta: (kind, delta) => {
              if (kind === 'think') think += delta;
              else text += delta;
              beat();
              return publisher.delta(kind, delta);
            },
          });
        }
      } catch (err) {
        if (!(isAbort(err) && cancelled)) {
          await publisher.flush().catch(() => undefined);
          if (isAbort(err)) throw err; // Temporal cancelled us
          if (isPermanentProviderError(err)) throw permanent(`model provider error: ${(err as Error).message}`, 'ProviderError');
          throw err;
        }
      } finally {
        stopWatching();
        Context.current().cancellationSignal.removeEventListener('abort', onTemporalCancel);
      }
      await publisher.flush();
      return { text, think, reason: cancelled ? 'user_cancelled' : 'completed', lastSeq: publisher.lastSeq };
    },

    /** Saves the assistant message under the id used in the chunks, then sends reply_end. Idempotent. */
    async finalize(turn: Turn, result: FinalInput): Promise<{ lastSeq: number }> {
      const { publisher, logged } = await openPublisher(turn);
      const ended = logged.chunks.some((c) => c.chunk_type === 'reply_end');
      const reason: ReplyEndReason = result.reason;
      const error = result.reason === 'error' ? (result as { error: string }).error : undefined;
      const errorMessage = error !== undefined ? `⚠️ error in async processing message reply, ${error}` : undefined;
      const text = 'text' in result ? result.text || textOf(logged.chunks, 'response') : '';
      const think = 'think' in result ? result.think || textOf(logged.chunks, 'think') : textOf(logged.chunks, 'think');

      const details: Array<Record<string, unknown>> = [];
      if (think) details.push({ order: 50, type: 'think', description: think });
      details.push({ order: 99, type: 'reply_end', description: 'Processing completed', payload: { reason, ...(error !== undefined && { error }) } });
      const now = new Date();
      const existing = (await models.ChatMessage.findById(turn.replyId).lean()) as { created?: Date } | null;
      await models.ChatMessage.replaceOne(
        { _id: turn.replyId },
        {
          _id: turn.replyId,
          type: 'assistant',
          session_id: turn.sessionId,
          assistant_id: turn.assistantId,
          message: errorMessage ?? text,
          reply_to_message: turn.userMessageId,
          details,
          owner_id: turn.ownerId,
          from: '',
          to: '',
          attachments: [],
          up_vote: 0,
          down_vote: 0,
          created: existing?.created ?? now,
          updated: now,
        },
        { upsert: true, timestamps: false },
      );
      if (!ended) {
        if (errorMessage) await publisher.send('response', errorMessage, true);
        await publisher.send('reply_end', JSON.stringify({ reason, ...(error !== undefined && { error }) }), true);
      }
      deps.logger.info({ session_id: turn.sessionId, reply_id: turn.replyId, reason }, 'reply finished');
      return { lastSeq: publisher.lastSeq };
    },

    /** The workflow's durable repeat of a cancel (the API sends the same notice first). */
    async notifyCancel(replyId: string): Promise<void> {
      await requestCancel(redis, keys, replyId);
    },
  };
}

export type ChatActivities = ReturnType<typeof createChatActivities>;
