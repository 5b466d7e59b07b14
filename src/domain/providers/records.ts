// A model provider as stored ↔ as read: its API key is a secret (masked on GET, absent from hits, kept
// when a PUT omits it or sends the mask back).
import type { SearchFields } from '../../search/fields';
import { InvalidInput } from '../errors';
import type { Stored } from '../record';
import { MASKED_SECRET, maskSecret } from '../secrets';
import type { ModelProviderInput } from './schema';

export const PROVIDER_SEARCH_FIELDS: SearchFields = {
  index: 'coco_model_provider',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'base_url'],
  dates: ['created', 'updated'],
  hidden: ['api_key'],
};

/** A provider as the worker uses it. */
export interface StoredProvider {
  _id: string;
  enabled?: boolean;
  base_url?: string;
  api_key?: string;
  models?: Array<{ name: string; settings?: Record<string, unknown> }>;
}

export function providerToStored(input: ModelProviderInput, existing?: Stored): Record<string, unknown> {
  const stored = (existing?.api_key as string | undefined) ?? '';
  const keep = input.api_key === undefined || (stored !== '' && input.api_key === maskSecret(stored));
  // A mask that is not the stored key's (stale form, key changed meanwhile, or nothing stored) would be saved as the key.
  if (!keep && MASKED_SECRET.test(input.api_key as string)) {
    throw new InvalidInput('api_key: this is a masked key that does not match the stored one; send the real key, or omit api_key to keep it');
  }
  return { ...input, api_key: keep ? stored : input.api_key };
}

/** GET: the key masked, never in plain text. */
export function providerView(doc: Stored): Stored {
  return { ...doc, api_key: maskSecret((doc.api_key as string) ?? '') };
}

/** Search hits: no key at all. */
export function providerHitView(doc: Stored): Stored {
  const { api_key: _key, ...rest } = doc;
  return rest as Stored;
}
