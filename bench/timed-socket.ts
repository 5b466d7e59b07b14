// A WebSocket client that stamps every frame with its arrival time (performance.now()), so a benchmark
// can look up, after the fact, when the frame it cares about arrived.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export interface Stamped<T> {
  at: number;
  value: T;
}

interface Waiter<T> {
  match: (v: T) => boolean;
  /** Matching frames still to come before this waiter resolves. */
  left: number;
  resolve: (s: Stamped<T>) => void;
}

export class TimedSocket<T> {
  readonly frames: Stamped<T>[] = [];
  private readonly waiters = new Set<Waiter<T>>();

  private constructor(private readonly socket: WebSocket) {}

  /** Opens the socket; `parse` turns a frame into a value (undefined: frame ignored). */
  static connect<T>(url: string, parse: (text: string) => T | undefined, headers: Record<string, string> = {}): Promise<TimedSocket<T>> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers, perMessageDeflate: false });
      const timed = new TimedSocket<T>(socket);
      socket.on('message', (data) => {
        const at = performance.now();
        const value = parse(data.toString());
        if (value === undefined) return;
        const stamped = { at, value };
        timed.frames.push(stamped);
        for (const w of timed.waiters) {
          if (w.match(value) && --w.left === 0) {
            timed.waiters.delete(w);
            w.resolve(stamped);
          }
        }
      });
      socket.once('open', () => resolve(timed));
      socket.once('error', reject);
    });
  }

  /** The count-th frame (already received or still to come) matching `match`. */
  waitFor(match: (v: T) => boolean, timeoutMs: number, what = 'frame', count = 1): Promise<Stamped<T>> {
    const found = this.all(match);
    if (found.length >= count) return Promise.resolve(found[count - 1]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        left: count - found.length,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Every received frame matching `match`, in arrival order. */
  all(match: (v: T) => boolean): Stamped<T>[] {
    return this.frames.filter((f) => match(f.value));
  }

  send(text: string): void {
    this.socket.send(text);
  }

  close(): void {
    this.socket.close();
  }
}
