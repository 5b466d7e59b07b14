// A document as stored ↔ as read: metadata and payload are free-form JSON, kept serialized (FerretDB 1.24
// refuses keys with "." or a leading "$").
import { deserialize, serialize } from '../../models/base';
import type { SearchFields } from '../../search/fields';
import type { Stored } from '../record';
import type { DocumentInput } from './schema';

export const DOCUMENT_SEARCH_FIELDS: SearchFields = {
  index: 'coco_document',
  defaultFields: ['title', 'combined_fulltext'],
  fulltext: ['title', 'summary', 'content', 'category', 'subcategory', 'categories', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags', 'categories'],
  hidden: ['metadata_json', 'payload_json'],
  // No `known`: documents are free-form (connectors add their own fields), and assistants' filters name
  // such fields (the seed's `{"term": {"name": "test"}}`); names are still checked, secrets there are none.
};

export function documentToStored(input: DocumentInput): Record<string, unknown> {
  const { metadata, payload, ...rest } = input;
  return { ...rest, metadata_json: serialize(metadata), payload_json: serialize(payload) };
}

export function documentView(doc: Stored): Stored {
  const { metadata_json, payload_json, ...rest } = doc;
  return { ...rest, metadata: deserialize(metadata_json), payload: deserialize(payload_json) } as Stored;
}

/** What the answer prompt cites of a document (references). */
export interface DocForReference {
  _id: string;
  title?: string;
  summary?: string;
  content?: string;
  url?: string;
  category?: string;
  categories?: string[];
  updated?: Date;
  source?: { name?: string };
}
