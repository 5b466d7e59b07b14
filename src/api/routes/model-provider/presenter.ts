import { maskSecret } from '../../../auth/tokens';
import { BadRequestError } from '../../errors';
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

/** The shapes maskSecret() produces: "********" or "abcd***************wxyz". No real key looks like this. */
const MASKED_KEY = /^(\*{8}|.{4}\*{15}.{4})$/s;

export function providerToStored(input: ModelProviderInput, existing?: Stored): Record<string, unknown> {
  const stored = (existing?.api_key as string | undefined) ?? '';
  const keep = input.api_key === undefined || (stored !== '' && input.api_key === maskSecret(stored));
  // A mask that is not the stored key's (stale form, key changed meanwhile, or nothing stored) would be saved as the key.
  if (!keep && MASKED_KEY.test(input.api_key as string)) {
    throw new BadRequestError('api_key: this is a masked key that does not match the stored one; send the real key, or omit api_key to keep it');
  }
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
