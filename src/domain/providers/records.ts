// A model provider as stored ↔ as read: its API key is a secret (masked on GET, absent from hits, kept
// when a PUT omits it or sends the mask back).
import { knownPaths, type SearchFields } from '../../search/fields';
import { parseDuration } from '../../shared/chat';
import { InvalidInput } from '../errors';
import type { Stored } from '../record';
import { MASKED_SECRET, maskSecret, revealable, sameEndpoint, secretPaths } from '../secrets';
import { CONTINUATION_MODES, type ModelProviderInput, ProviderTimeouts } from './schema';
import { modelProviderSchema } from '../../models/model-provider';

export const PROVIDER_SEARCH_FIELDS: SearchFields = {
  index: 'coco_model_provider',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'base_url'],
  dates: ['created', 'updated'],
  hidden: secretPaths('model_provider'),
  known: knownPaths(modelProviderSchema),
};

/** A provider as the worker uses it. */
export interface StoredProvider {
  _id: string;
  enabled?: boolean;
  api_type?: string;
  base_url?: string;
  api_key?: string;
  models?: Array<{ name: string; settings?: Record<string, unknown> }>;
  continuation?: string;
  timeouts?: { first_token?: string; between_tokens?: string };
}

export type ContinuationMode = Exclude<(typeof CONTINUATION_MODES)[number], 'auto'>;

/** How this provider continues a partial answer; `auto` decides by api_type and URL. */
export function continuationOf(p: StoredProvider): ContinuationMode {
  const mode = p.continuation ?? 'auto';
  if (mode !== 'auto' && (CONTINUATION_MODES as readonly string[]).includes(mode)) return mode as ContinuationMode;
  let url: URL | undefined;
  try {
    url = new URL(p.base_url ?? '');
  } catch {
    // no usable URL: the safe default below
  }
  if (p.api_type === 'ollama' || url?.port === '11434') return 'prefill';
  if (p.api_type === 'anthropic') return 'prefill';
  // DeepSeek continues a prefix only on its beta endpoint; elsewhere it is asked like any other.
  if (url?.hostname.endsWith('deepseek.com') && url.pathname.startsWith('/beta')) return 'prefill_deepseek';
  return 'instruction';
}

const DEFAULT_FIRST_TOKEN_MS = 60_000;
const DEFAULT_BETWEEN_TOKENS_MS = 30_000;

/** How long a model call may wait for its first token and between tokens (providers stored before these had none). */
export function timeoutsOf(p: StoredProvider): { firstTokenMs: number; betweenTokensMs: number } {
  return {
    firstTokenMs: parseDuration(p.timeouts?.first_token ?? '', DEFAULT_FIRST_TOKEN_MS),
    betweenTokensMs: parseDuration(p.timeouts?.between_tokens ?? '', DEFAULT_BETWEEN_TOKENS_MS),
  };
}

/** Where a provider's key is sent: a change here drops the stored key unless a new one comes with it. */
const KEY_ENDPOINT = ['base_url', 'api_type'];

export function providerToStored(input: ModelProviderInput, existing?: Stored): Record<string, unknown> {
  const stored = (existing?.api_key as string | undefined) ?? '';
  const masked = input.api_key !== undefined && MASKED_SECRET.test(input.api_key);
  const sameMask = stored !== '' && masked && MASKED_SECRET.test(maskSecret(stored)) && maskMatches(input.api_key as string, stored);
  if (!sameEndpoint(existing, input, KEY_ENDPOINT)) {
    if (masked) throw new InvalidInput('api_key: base_url or api_type changed, so the stored key is not sent to the new endpoint; send the key again, or omit api_key to drop it');
    return { ...input, api_key: input.api_key ?? '' };
  }
  // A mask that is not the stored key's (stale form, key changed meanwhile, or nothing stored) would be saved as the key.
  if (masked && !sameMask) throw new InvalidInput('api_key: this is a masked key that does not match the stored one; send the real key, or omit api_key to keep it');
  return { ...input, api_key: input.api_key === undefined || masked ? stored : input.api_key };
}

/** A mask sent back stands for the stored key when it shows the key's end (today's mask or the older one). */
function maskMatches(mask: string, stored: string): boolean {
  return mask === maskSecret(stored) || mask === `${stored.slice(0, 4)}${'*'.repeat(15)}${stored.slice(-4)}`;
}

/** Defaults of fields newer than the record (providers seeded or stored before them). */
function withDefaults(doc: Stored): Stored {
  const timeouts = ProviderTimeouts.parse(doc.timeouts ?? {});
  return { ...doc, continuation: doc.continuation ?? 'auto', timeouts };
}

/** GET: the key masked, never in plain text. */
export function providerView(doc: Stored): Stored {
  return revealable('model_provider', withDefaults(doc), 'read');
}

/** Search hits: no key at all. */
export function providerHitView(doc: Stored): Stored {
  return revealable('model_provider', withDefaults(doc), 'hit');
}
