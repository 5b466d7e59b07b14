// Resuming a reply after a reconnect: which reply a message stands for, its chunks after a cursor from
// the reply's log (live or ended), or, once the log has expired, from the saved message.
import { attachReply } from '../../bus/ws-attach';
import type { BusKeys } from '../../bus/keys';
import { NotFound } from '../../domain/errors';
import type { Stored } from '../../domain/record';
import type { Messages } from '../../domain/sessions/messages';
import type { Redis } from '../../infra/redis';
import type { MessageChunk } from '../../shared/chat';
import { BadRequestError } from '../errors';

/** A saved reply as chunks: its text, then reply_end with the saved reason. */
function savedReplyChunks(saved: Stored): MessageChunk[] {
  const end = ((saved.details ?? []) as Array<{ type: string; payload?: unknown }>).find((d) => d.type === 'reply_end');
  const base = { session_id: saved.session_id, message_id: saved._id, reply_to_message: saved.reply_to_message };
  return [
    { ...base, message_type: 'assistant', chunk_sequence: 0, chunk_type: 'response', message_chunk: saved.message ?? '', seq: 1 },
    { ...base, message_type: 'system', chunk_sequence: 0, chunk_type: 'reply_end', message_chunk: JSON.stringify(end?.payload ?? { reason: 'completed' }), seq: 2 },
  ];
}

export class ReplyStreams {
  constructor(
    private readonly redis: Redis,
    private readonly keys: BusKeys,
    private readonly messages: Messages,
  ) {}

  /** The reply a message of this session stands for: a user message's reply, or the reply itself. */
  async locate(sessionId: string, messageId: string): Promise<string> {
    const msg = await this.messages.find(messageId);
    if (!msg || msg.session_id !== sessionId) throw new NotFound('message', messageId);
    const replyId = msg.type === 'user' ? (msg.reply_message_id as string) : msg._id;
    if (!replyId) throw new NotFound('reply', messageId);
    return replyId;
  }

  /** When the reply's log has expired (or never existed) but the reply was saved: its chunks after `afterSeq`. */
  async savedChunks(replyId: string, afterSeq: number): Promise<MessageChunk[] | null> {
    if (await this.redis.exists(this.keys.replyLog(replyId))) return null;
    const saved = await this.messages.find(replyId);
    return saved ? savedReplyChunks(saved).filter((c) => c.seq > afterSeq) : null;
  }

  /** Tells the socket (on whichever API instance holds it) to relay the reply from `afterSeq`. */
  async attachToSocket(wsId: string, replyId: string, afterSeq: number): Promise<void> {
    if (!(await this.redis.exists(this.keys.wsKey(wsId)))) throw new BadRequestError(`websocket session [${wsId}] is not connected`);
    await attachReply(this.redis, this.keys, wsId, replyId, afterSeq);
  }
}
