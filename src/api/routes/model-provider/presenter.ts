import { maskSecret } from '../../../auth/tokens';
import type { SearchFields } from '../../../search/fields';
import { baseSource, Stored } from '../resource';
import type { ModelProviderInput } from './schema';

export const PROVIDER_SEARCH_FIELDS: SearchFields = {
  index: 'coco_model_provider',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'base_url'],
  dates: ['created', 'updated'],
  hidden: ['api_key'],
};

export function providerToStored(input: ModelProviderInput, existing?: Stored): Record<string, unknown> {
  const stored = (existing?.api_key as string | undefined) ?? '';
  const keep = input.api_key === undefined || (stored !== '' && input.api_key === maskSecret(stored));
  return { ...input, api_key: keep ? stored : input.api_key };
}

/** get: the key masked, never in plain text. */
export function presentProvider(doc: Stored): Record<string, unknown> {
  const out = baseSource(doc);
  out.api_key = maskSecret((doc.api_key as string) ?? '');
  return out;
}

/** search hits: no key at all. */
export function presentProviderHit(doc: Stored): Record<string, unknown> {
  return baseSource(doc, ['api_key']);
}
