// Redis names used by the streaming bus. One place, so publisher and readers cannot drift apart.
export function busKeys(prefix: string) {
  return {
    /** Pub/sub channel carrying a reply's chunks as they are published. */
    replyChannel: (replyId: string) => `${prefix}reply:${replyId}`,
    /** Redis Stream logging the reply's chunks; entry id `<seq>-0`, so XRANGE reads by seq. */
    replyLog: (replyId: string) => `${prefix}replylog:${replyId}`,
    /** Set (with a TTL) when a reply is to be cancelled; the fast path publishes on the channel too. */
    cancelKey: (replyId: string) => `${prefix}cancel:${replyId}`,
    cancelChannel: `${prefix}cancel`,
    /** The reply a session's worker is answering (set when its turn starts), so `_cancel` finds it without asking the workflow. */
    runningReply: (sessionId: string) => `${prefix}running:${sessionId}`,
    /** A connected WebSocket: exists while some API instance holds it. */
    wsKey: (wsId: string) => `${prefix}ws:${wsId}`,
    /** Tells the instance holding a WebSocket to forward a reply to it. */
    wsChannel: (wsId: string) => `${prefix}wsattach:${wsId}`,
    /** Duplicate-request throttle fingerprints. */
    throttleKey: (fingerprint: string) => `${prefix}throttle:${fingerprint}`,
  };
}

export type BusKeys = ReturnType<typeof busKeys>;
