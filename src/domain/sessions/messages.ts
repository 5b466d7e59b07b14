// Chat messages: the user's (written when a turn is sent), the assistant's reply (written, idempotently,
// when it ends), and the reads a conversation needs: the latest before a turn, those after a summary,
// one session's listing.
import type { Models } from '../../models';
import { runSearch, type EsResponse } from '../../search/execute';
import type { EsBody } from '../../search/query-string';
import type { ReplyDetail, Turn } from '../../shared/chat';
import type { Stored } from '../record';
import { MESSAGE_SEARCH_FIELDS, MessageText } from './records';

const CONVERSATION = { $in: ['user', 'assistant'] };

export interface UserMessage {
  id: string;
  sessionId: string;
  assistantId: string;
  ownerId: string;
  text: string;
  attachments: string[];
  /** The id its reply will be saved under. */
  replyId: string;
}

/** A reply as saved when it finished. */
export interface FinishedReply {
  message: string;
  details: ReplyDetail[];
  lastSeq: number;
  answerIndex: string;
}

export class Messages {
  constructor(
    private readonly models: Models,
    /** Moves the session's last activity on (Sessions.touchActivity: session writes go through it). */
    private readonly touchSession: (sessionId: string, at: Date) => Promise<void> = async () => undefined,
  ) {}

  async find(id: string): Promise<Stored | null> {
    return (await this.models.ChatMessage.findById(id).lean()) as Stored | null;
  }

  async createUserMessage(m: UserMessage): Promise<Stored> {
    const doc = await this.models.ChatMessage.create({
      _id: m.id,
      type: 'user',
      session_id: m.sessionId,
      assistant_id: m.assistantId,
      message: m.text,
      attachments: m.attachments,
      owner_id: m.ownerId,
      reply_message_id: m.replyId,
    });
    return doc.toObject() as Stored;
  }

  async deleteMessage(id: string): Promise<void> {
    await this.models.ChatMessage.deleteOne({ _id: id });
  }

  /**
   * Saves the assistant message under the reply's id, finished (`stream.lastSeq`: the seq its reply_end
   * gets). One upsert: `created` is set only when the message is first written. A finished reply is never
   * changed again: callers that may be repeating a finished step read it first (`finishedReply`).
   */
  async saveReply(turn: Turn, message: string, details: ReplyDetail[], stream: { lastSeq: number; answerIndex: string }): Promise<void> {
    const now = new Date();
    // The session's last activity moves on with it: the Sessions page lists the most recent first (./overview).
    const touched = this.touchSession(turn.sessionId, now);
    const saved = this.models.ChatMessage.updateOne(
      { _id: turn.replyId },
      {
        $set: {
          type: 'assistant',
          session_id: turn.sessionId,
          assistant_id: turn.assistantId,
          message,
          reply_to_message: turn.userMessageId,
          details,
          owner_id: turn.ownerId,
          from: '',
          to: '',
          attachments: [],
          up_vote: 0,
          down_vote: 0,
          updated: now,
          last_seq: stream.lastSeq,
          answer_index: stream.answerIndex,
        },
        $setOnInsert: { created: now },
      },
      { upsert: true, timestamps: false },
    ).exec();
    await Promise.all([saved, touched]);
  }

  /** The reply as saved once it finished; null while it is not (or was saved before replies kept their last seq). */
  async finishedReply(replyId: string): Promise<FinishedReply | null> {
    const doc = await this.find(replyId);
    if (!doc || typeof doc.last_seq !== 'number') return null;
    return { message: doc.message ?? '', details: (doc.details ?? []) as ReplyDetail[], lastSeq: doc.last_seq, answerIndex: doc.answer_index ?? '' };
  }

  /** Removes messages of a session by id (a withdrawn turn's). */
  async discard(sessionId: string, ids: string[]): Promise<void> {
    await this.models.ChatMessage.deleteMany({ session_id: sessionId, _id: { $in: ids } });
  }

  async deleteOfSession(sessionId: string): Promise<void> {
    await this.models.ChatMessage.deleteMany({ session_id: sessionId });
  }

  /** The reply a message of this session stands for: a user message's reply, or the reply itself. */
  async replyIdFor(sessionId: string, messageId: string): Promise<string | undefined> {
    const msg = await this.find(messageId);
    if (!msg || msg.session_id !== sessionId) return undefined;
    return msg.type === 'user' ? msg.reply_message_id : msg.type === 'assistant' ? msg._id : undefined;
  }

  /** The session's `limit` newest conversation messages other than `exceptId`, newest first. */
  async latest(sessionId: string, exceptId: string, limit: number): Promise<MessageText[]> {
    const filter = { session_id: sessionId, _id: { $ne: exceptId }, type: CONVERSATION };
    return (await this.models.ChatMessage.find(filter).sort({ created: -1, _id: -1 }).limit(limit).lean()) as MessageText[];
  }

  /** The session's conversation messages created after `after` (all when null), oldest first. */
  async since(sessionId: string, after: Date | null): Promise<MessageText[]> {
    const filter: Record<string, unknown> = { session_id: sessionId, type: CONVERSATION };
    if (after) filter.created = { $gt: after };
    return (await this.models.ChatMessage.find(filter).sort({ created: 1, _id: 1 }).lean()) as MessageText[];
  }

  countReplies(sessionId: string): Promise<number> {
    return this.models.ChatMessage.countDocuments({ session_id: sessionId, type: 'assistant' });
  }

  /** One session's messages, oldest first unless the query sorts. */
  search(sessionId: string, qs: EsBody): Promise<EsResponse<Stored>> {
    const clauses = [...(qs.query ? [qs.query] : []), { term: { session_id: sessionId } }];
    const request = { clauses, from: qs.from ?? 0, size: qs.size ?? 20, defaultSort: { created: 1 as const } };
    return runSearch(this.models.ChatMessage, MESSAGE_SEARCH_FIELDS, request, (d) => d as Stored);
  }
}
