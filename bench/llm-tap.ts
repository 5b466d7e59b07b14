// A pass-through HTTP proxy in front of the test model that notes when each streamed answer token went
// by, per request (keyed by the request's newest `[bench:N]` marker). Both the server and the baseline
// talk to the model through it, so "token at the client − token leaving the model" is measured alike
// for both, without the drift of the model's per-token timers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LlmTap {
  url: string;
  /** Where requests go (the test model's base URL, ending in /v1). */
  upstream: string;
  /** Per marker: when each non-empty content delta passed, in order. */
  emitted: Map<string, number[]>;
  close(): Promise<void>;
}

/** The newest `[bench:N]` marker in a request's messages (prompts may quote earlier turns). */
export function newestMarker(text: string): string | undefined {
  const numbers = [...text.matchAll(/\[bench:(\d+)\]/g)].map((m) => Number(m[1]));
  return numbers.length ? `[bench:${Math.max(...numbers)}]` : undefined;
}

export async function startLlmTap(): Promise<LlmTap> {
  const emitted = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const marker = newestMarker(body.toString());
      const times: number[] = [];
      if (marker && !emitted.has(marker)) emitted.set(marker, times);
      const target = new URL(tap.upstream.replace(/\/v1$/, '') + (req.url ?? ''));
      const up = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let pending = '';
        upRes.on('data', (c: Buffer) => {
          const at = performance.now();
          pending += c.toString();
          const events = pending.split('\n\n');
          pending = events.pop() ?? '';
          for (const e of events) if (/"content":"[^"]/.test(e)) times.push(at);
          res.write(c);
        });
        upRes.on('end', () => res.end());
      });
      up.on('error', () => res.destroy());
      res.on('close', () => up.destroy()); // a cancelled client request stops the model too
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const tap: LlmTap = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    upstream: '',
    emitted,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return tap;
}
