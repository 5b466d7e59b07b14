import { deserialize, serialize } from '../../../models/base';
import type { SearchFields } from '../../../search/fields';
import { baseSource, Stored } from '../resource';
import type { DocumentInput } from './schema';

export const DOCUMENT_SEARCH_FIELDS: SearchFields = {
  index: 'coco_document',
  defaultFields: ['title', 'combined_fulltext'],
  fulltext: ['title', 'summary', 'content', 'category', 'subcategory', 'categories', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags', 'categories'],
  hidden: ['metadata_json', 'payload_json'],
};

export function documentToStored(input: DocumentInput): Record<string, unknown> {
  const { metadata, payload, ...rest } = input;
  return { ...rest, metadata_json: serialize(metadata), payload_json: serialize(payload) };
}

export function presentDocument(doc: Stored): Record<string, unknown> {
  const out = baseSource(doc, ['metadata_json', 'payload_json']);
  out.metadata = deserialize(doc.metadata_json);
  out.payload = deserialize(doc.payload_json);
  return out;
}
