// Attachments as the API shows them and as the search DSL sees them (coco-api.md §3.4).
import { attachmentSchema } from '../../models/attachment';
import { knownPaths, type SearchFields } from '../../search/fields';
import type { Stored } from '../record';

/** Coco's parsing states (its `initial_parsing`); `canceled` is Coco's too, unused here. */
export type ParseStatus = 'pending' | 'processing' | 'completed' | 'failed';

export const ATTACHMENT_SEARCH_FIELDS: SearchFields = {
  index: 'coco_attachment',
  defaultFields: ['name', 'description'],
  fulltext: ['name', 'description'],
  dates: ['created', 'updated'],
  // The extracted text is read by chats only. (owner_id may be named: every search is scoped to the caller's.)
  hidden: ['text'],
  known: knownPaths(attachmentSchema),
};

/** What a read shows of an attachment: Coco's metadata and the parsing status, never the text or owner. */
export function attachmentView(doc: Stored): Stored {
  const { text: _text, owner_id: _owner, parse_attempts: _attempts, ...shown } = doc;
  return shown as Stored;
}

/** `report.PDF` → `pdf`: Coco's `icon` is the lower-case extension. */
export function extensionOf(name: string): string {
  const m = /\.([A-Za-z0-9]{1,16})$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}
