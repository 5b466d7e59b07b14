import { Schema } from 'mongoose';
import { baseSchema } from './base';

export const chatMessageSchema = baseSchema(
  {
    type: { type: String, required: true },
    session_id: { type: String, required: true },
    assistant_id: { type: String, default: '' },
    from: { type: String, default: '' },
    to: { type: String, default: '' },
    message: { type: String, default: '' },
    attachments: { type: [String], default: [] },
    reply_to_message: { type: String, default: '' },
    details: { type: [Schema.Types.Mixed], default: [] },
    up_vote: { type: Number, default: 0 },
    down_vote: { type: Number, default: 0 },
    owner_id: { type: String, required: true },
    /** On user messages: the id of the assistant message answering it (internal; resume looks it up). */
    reply_message_id: { type: String, default: undefined },
    /** On replies (internal): the seq of its reply_end chunk; set once the reply is finished and saved. */
    last_seq: { type: Number, default: undefined },
    /** On replies (internal): where its text came from in the stream (shared/reply-index), for resume. */
    answer_index: { type: String, default: undefined },
  },
  'chat_messages',
);
chatMessageSchema.index({ session_id: 1, created: 1 });
chatMessageSchema.index({ reply_to_message: 1 });
