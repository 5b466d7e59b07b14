import type { SearchFields } from '../../../search/fields';
import { baseSource, Stored } from '../resource';

export const SESSION_SEARCH_FIELDS: SearchFields = {
  index: '.infini_session',
  defaultFields: ['title', 'summary'],
  fulltext: ['title', 'summary'],
  dates: ['created', 'updated'],
  hidden: ['owner_id'],
};

export const MESSAGE_SEARCH_FIELDS: SearchFields = {
  index: '.infini_chat-message',
  defaultFields: ['message'],
  fulltext: ['message'],
  dates: ['created', 'updated'],
  hidden: ['owner_id', 'reply_message_id'],
};

export function presentSession(doc: Stored): Record<string, unknown> {
  const out = baseSource(doc, ['owner_id']);
  out._system = { owner_id: doc.owner_id };
  return out;
}

export function presentMessage(doc: Stored): Record<string, unknown> {
  const out = baseSource(doc, ['owner_id', 'reply_message_id']);
  if (out.type === 'user') delete out.reply_to_message;
  out._system = { owner_id: doc.owner_id };
  return out;
}
