// A Coco WebSocket client for fault injection: every chunk is stamped with its arrival time (to measure
// stalls) and how the socket ended is kept (the server closing it with a code is an answer of its own).
import WebSocket from 'ws';
import type { TimedLine } from '../helpers/chaos-stack';

export interface WsClose {
  code: number;
  reason: string;
  at: number;
}

export interface TimedWs {
  id: string;
  /** The PRIVATE chunks, in arrival order. */
  lines: TimedLine[];
  /** Set once the socket closed, by either side. */
  closed: WsClose | undefined;
  readonly open: boolean;
  /** The first chunk, received or still to come, that matches; rejects if the socket closes first. */
  waitFor(match: (value: any) => boolean, timeoutMs?: number): Promise<TimedLine>;
  close(): void;
}

export function connectTimedWs(url: string, token: string): Promise<TimedWs> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { 'X-API-TOKEN': token } });
    const lines: TimedLine[] = [];
    const listeners = new Set<() => void>();
    const notify = () => listeners.forEach((l) => l());
    let client: TimedWs | undefined;

    socket.on('error', (err) => {
      if (!client) reject(err);
    });
    socket.on('close', (code, reason) => {
      if (!client) return reject(new Error(`the socket closed before its CONFIG frame (${code})`));
      client.closed = { code, reason: reason.toString(), at: Date.now() };
      notify();
    });
    socket.on('message', (data) => {
      const text = data.toString();
      const config = /^CONFIG websocket-session-id:\s*(\S+)/.exec(text);
      if (config && !client) {
        client = timedWs(config[1]!);
        resolve(client);
      } else if (text.startsWith('PRIVATE ')) {
        lines.push({ at: Date.now(), value: JSON.parse(text.slice('PRIVATE '.length)) });
        notify();
      }
    });

    const timedWs = (id: string): TimedWs => ({
      id,
      lines,
      closed: undefined,
      get open() {
        return socket.readyState === WebSocket.OPEN;
      },
      close: () => socket.close(),
      waitFor(match, timeoutMs = 30_000) {
        return new Promise((found, fail) => {
          let seen = 0;
          const check = () => {
            for (; seen < lines.length; seen++) {
              if (match(lines[seen]!.value)) return finish(() => found(lines[seen]!));
            }
            if (client?.closed) finish(() => fail(new Error(`the socket closed (${client!.closed!.code}) without a matching chunk (${lines.length} chunks)`)));
          };
          const timer = setTimeout(() => finish(() => fail(new Error(`no matching chunk within ${timeoutMs} ms (${lines.length} chunks)`))), timeoutMs);
          const finish = (settle: () => void) => {
            clearTimeout(timer);
            listeners.delete(check);
            settle();
          };
          listeners.add(check);
          check();
        });
      },
    });
  });
}
