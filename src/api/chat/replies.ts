// Resuming a reply after a reconnect: which reply a message stands for, and, once the reply's log is gone
// (expired, or lost), its chunks after a cursor from the saved message: the text not yet received as one
// chunk carrying the seq of its last piece, then reply_end with its own seq.
import { attachReply } from '../../bus/ws-attach';
import type { BusKeys } from '../../bus/keys';
import { NotFound } from '../../domain/errors';
import type { Stored } from '../../domain/record';
import type { Messages } from '../../domain/sessions/messages';
import type { Redis } from '../../infra/redis';
import type { MessageChunk } from '../../shared/chat';
import { textAfter } from '../../shared/reply-index';
import { SocketNotFoundError } from '../errors';

function endPayload(saved: Stored): string {
  const end = ((saved.details ?? []) as Array<{ type: string; payload?: unknown }>).find((d) => d.type === 'reply_end');
  return JSON.stringify(end?.payload ?? { reason: 'completed' });
}

/** A finished reply's chunks after `afterSeq`, from its saved message. */
function savedReplyChunks(saved: Stored, afterSeq: number): MessageChunk[] {
  const base = { session_id: saved.session_id, message_id: saved._id, reply_to_message: saved.reply_to_message };
  const chunk = (type: 'response' | 'reply_end', text: string, seq: number): MessageChunk => ({
    ...base,
    message_type: type === 'response' ? 'assistant' : 'system',
    chunk_sequence: 0,
    chunk_type: type,
    message_chunk: text,
    seq,
  });
  const message = (saved.message as string | undefined) ?? '';
  const lastSeq = saved.last_seq as number | undefined;
  // Saved before replies kept their seqs: the text and reply_end as seq 1 and 2.
  if (lastSeq === undefined) return [chunk('response', message, 1), chunk('reply_end', endPayload(saved), 2)].filter((c) => c.seq > afterSeq);
  if (afterSeq >= lastSeq) return [];
  const after = textAfter(message, (saved.answer_index as string | undefined) ?? '', afterSeq);
  // Without an index that covers the text (an error reply), the client that has not seen all gets it whole.
  const rest = after ? after.rest : afterSeq < lastSeq - 1 ? message : '';
  const restSeq = Math.min(lastSeq - 1, Math.max(afterSeq + 1, after?.lastSeq ?? 0));
  return [...(rest ? [chunk('response', rest, restSeq)] : []), chunk('reply_end', endPayload(saved), lastSeq)];
}

export class ReplyStreams {
  constructor(
    private readonly redis: Redis,
    private readonly keys: BusKeys,
    private readonly messages: Messages,
  ) {}

  /**
   * The reply a message of this session stands for: a user message's reply, or the reply itself (saved
   * once it has ended; while it runs, known by its log).
   */
  async locate(sessionId: string, messageId: string): Promise<string> {
    const msg = await this.messages.find(messageId);
    if (!msg && (await this.runningReplyOf(messageId)) === sessionId) return messageId;
    if (!msg || msg.session_id !== sessionId) throw new NotFound('message', messageId);
    const replyId = msg.type === 'user' ? (msg.reply_message_id as string) : msg._id;
    if (!replyId) throw new NotFound('reply', messageId);
    return replyId;
  }

  /** The session of a reply that is being streamed (its log's first chunk says), if it is one. */
  private async runningReplyOf(replyId: string): Promise<string | undefined> {
    const first = (await this.redis.xRange(this.keys.replyLog(replyId), '-', '+', { COUNT: 1 }))?.[0];
    return first ? (JSON.parse(first.message.c as string) as MessageChunk).session_id : undefined;
  }

  /** The rest of a finished reply after `afterSeq`, from its saved message; null while it has not finished. */
  async savedAfter(replyId: string, afterSeq: number): Promise<MessageChunk[] | null> {
    const saved = await this.messages.find(replyId);
    return saved && saved.type === 'assistant' ? savedReplyChunks(saved, afterSeq) : null;
  }

  /** When the reply's log has expired (or never existed) but the reply was saved: its chunks after `afterSeq`. */
  async savedChunks(replyId: string, afterSeq: number): Promise<MessageChunk[] | null> {
    if (await this.redis.exists(this.keys.replyLog(replyId))) return null;
    return this.savedAfter(replyId, afterSeq);
  }

  /** Tells the caller's socket (on whichever API instance holds it) to relay the reply from `afterSeq`. */
  async attachToSocket(userId: string, wsId: string, replyId: string, afterSeq: number): Promise<void> {
    if ((await this.redis.get(this.keys.wsKey(wsId))) !== userId) throw new SocketNotFoundError(wsId);
    await attachReply(this.redis, this.keys, wsId, replyId, afterSeq);
  }
}
