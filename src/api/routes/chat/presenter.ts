import type { Stored } from '../../../domain/record';
import { present } from '../present';

/** Coco shows a session's owner under `_system`. */
export function presentSession(doc: Stored): Record<string, unknown> {
  const out = present(doc, ['owner_id']);
  out._system = { owner_id: doc.owner_id };
  return out;
}

export function presentMessage(doc: Stored): Record<string, unknown> {
  const out = present(doc, ['owner_id', 'reply_message_id', 'last_seq', 'answer_index']);
  if (out.type === 'user') delete out.reply_to_message;
  out._system = { owner_id: doc.owner_id };
  return out;
}
