// What the chat activities share: their dependencies, permanent failures, provider lookup, and
// running a pipeline step's model while streaming its tokens as chunks.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CancelWatcher } from '../bus/cancel';
import type { BusKeys } from '../bus/keys';
import { PublisherOptions, ReplyPublisher } from '../bus/publisher';
import type { Logger } from '../infra/logger';
import type { Redis } from '../infra/redis';
import type { ToolsConfig } from '../config';
import type { Domain } from '../domain';
import { continuationOf, type ContinuationMode, type StoredProvider, timeoutsOf } from '../domain/providers/records';
import { CHAT_CONFIG_ERROR, MODEL_TIMEOUT, PROVIDER_ERROR } from '../shared/failures';
import type { RetrievalEngine } from '../retrieval/engine';
import type { McpPool } from '../tools/mcp-pool';
import type { ModelRef, ReplyRef } from '../shared/chat';
import { metrics } from '../infra/metrics';
import { ChatMessageParam, isAbort, isPermanentProviderError, ModelTimeoutError, type ModelTimeouts, providerErrorStatus, streamChat } from './llm';

export interface ChatActivityDeps {
  logger: Logger;
  /** Records as steps read and write them (assistants and providers cached by version). */
  domain: Domain;
  redis: Redis;
  keys: BusKeys;
  cancels: CancelWatcher;
  publisher: PublisherOptions;
  retrieval: RetrievalEngine;
  tools: { pool: McpPool; config: ToolsConfig };
  /** How long a turn waits for its attachments' text (config.attachments.waitMs; absent: 2 minutes). */
  attachmentWaitMs?: number;
}

export function permanent(message: string, type = CHAT_CONFIG_ERROR): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

/** The attempt of the running step (1 outside a step). */
export function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** A silent model gets one more attempt; then the reply ends as `timeout` (two bounds in all, not five). */
const MODEL_TIMEOUT_ATTEMPTS = 2;

/**
 * What a step throws for a failed model call: a provider error no retry can fix is permanent; a model that
 * timed out is retried once, then ends the reply; anything else is retried by Temporal.
 */
export function stepError(err: unknown): unknown {
  if (!isAbort(err)) metrics.providerErrors.inc({ status: providerErrorStatus(err) });
  if (err instanceof ModelTimeoutError) {
    return ApplicationFailure.create({ message: err.message, type: MODEL_TIMEOUT, nonRetryable: currentAttempt() >= MODEL_TIMEOUT_ATTEMPTS });
  }
  return isPermanentProviderError(err) ? permanent(`model provider error: ${(err as Error).message}`, PROVIDER_ERROR) : err;
}

/** How to reach a provider's model (the key is a secret: never in workflow history), and how to continue and bound it. */
export interface ProviderAccess {
  baseUrl: string;
  apiKey: string;
  continuation: ContinuationMode;
  timeouts: ModelTimeouts;
}

export function accessOf(p: StoredProvider): ProviderAccess {
  const { firstTokenMs, betweenTokensMs } = timeoutsOf(p);
  return { baseUrl: p.base_url ?? '', apiKey: p.api_key ?? '', continuation: continuationOf(p), timeouts: { firstTokenMs, betweenTokensMs } };
}

/** The provider, enabled, or a permanent failure that says why not. */
export async function usableProvider(domain: Domain, providerId: string): Promise<StoredProvider> {
  const p = await domain.providers.get(providerId);
  if (!p) throw permanent(`model provider [${providerId}] is not found`);
  if (p.enabled === false) throw permanent(`model provider [${providerId}] is not enabled`);
  return p;
}

/** The provider's URL and key, read where they are used: secrets never travel through workflow history. */
export async function providerAccess(domain: Domain, providerId: string): Promise<ProviderAccess> {
  return accessOf(await usableProvider(domain, providerId));
}

export function openPublisher(deps: ChatActivityDeps, ref: ReplyRef) {
  return ReplyPublisher.open(deps.redis, deps.keys, ref, deps.publisher);
}

/** Runs one model call to completion (intent, picking, title, summary); streams its answer tokens if asked. */
export async function completeWithModel(
  deps: ChatActivityDeps,
  model: ModelRef,
  messages: ChatMessageParam[],
  onToken?: (text: string) => void | Promise<void>,
  signal: AbortSignal = new AbortController().signal,
): Promise<string> {
  const access = await providerAccess(deps.domain, model.providerId);
  let text = '';
  try {
    await withHeartbeat(() => streamChat({
      baseUrl: access.baseUrl,
      apiKey: access.apiKey,
      model: model.name,
      messages,
      settings: model.settings,
      signal,
      timeouts: access.timeouts,
      onDelta: (kind, delta) => {
        if (kind !== 'response') return;
        text += delta;
        return onToken?.(delta);
      },
    }));
  } catch (err) {
    throw stepError(err);
  }
  return text;
}

/**
 * Heartbeats every 2 s while `work` runs, so a dead worker is noticed within the heartbeat timeout
 * while a model that thinks silently for a long time is not. Outside an activity it just runs `work`.
 * Not at once: the first heartbeat is a round trip to Temporal, and a step's first moments are on the
 * way to the first token (an interleaved A/B: 1.2-2.1 ms of its p50).
 */
export async function withHeartbeat<T>(work: () => Promise<T>, details: () => unknown = () => undefined): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return work();
  }
  const timer = setInterval(() => ctx!.heartbeat(details()), 2000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
