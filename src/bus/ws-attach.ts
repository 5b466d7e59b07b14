// Telling the API instance that holds a WebSocket to forward a reply to it (or to stop): the socket may be
// held by another instance than the one that took the request, so the notice goes through Redis.
import type { Redis } from '../infra/redis';
import type { BusKeys } from './keys';

export type WsAttachNotice = { replyId: string; afterSeq: number } | { replyId: string; detach: true };

export async function attachReply(redis: Redis, keys: BusKeys, wsId: string, replyId: string, afterSeq: number): Promise<void> {
  await redis.publish(keys.wsChannel(wsId), JSON.stringify({ replyId, afterSeq } satisfies WsAttachNotice));
}

/** Undoes an attach made for a reply that will never start (its turn was refused). */
export async function detachReply(redis: Redis, keys: BusKeys, wsId: string, replyId: string): Promise<void> {
  await redis.publish(keys.wsChannel(wsId), JSON.stringify({ replyId, detach: true } satisfies WsAttachNotice));
}
