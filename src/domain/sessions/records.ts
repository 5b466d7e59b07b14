// Chat sessions and messages as the search DSLs see them, and the shapes chats read of them.
import { knownPaths, type SearchFields } from '../../search/fields';
import { sessionSchema } from '../../models/session';
import { chatMessageSchema } from '../../models/chat-message';

export const SESSION_SEARCH_FIELDS: SearchFields = {
  index: '.infini_session',
  defaultFields: ['title', 'summary'],
  fulltext: ['title', 'summary'],
  dates: ['created', 'updated'],
  hidden: ['owner_id'],
  known: knownPaths(sessionSchema),
};

export const MESSAGE_SEARCH_FIELDS: SearchFields = {
  index: '.infini_chat-message',
  defaultFields: ['message'],
  fulltext: ['message'],
  dates: ['created', 'updated'],
  hidden: ['owner_id', 'reply_message_id'],
  known: knownPaths(chatMessageSchema),
};

export type SessionStatus = 'active' | 'closed';

/** A chat message as a conversation reads it. */
export interface MessageText {
  _id: string;
  type: 'user' | 'assistant';
  message: string;
  created: Date;
}

/** What a session keeps of its compressed history. */
export interface SessionSummary {
  summary: string;
  /** Messages created up to this time are covered by `summary`. */
  until: Date | null;
}
