// The direct baseline: a minimal Koa + koa-websocket app that, on a WebSocket message, streams the test
// model through the `openai` client and forwards each token straight to the socket. No Temporal, no
// Redis, no Mongo. Frames use the same `PRIVATE <chunk json>` shape as the real server, so the bench
// client reads both alike.
//   client → {"op":"ask","id":"<id>","text":"..."} | {"op":"cancel","id":"<id>"}
//   server → PRIVATE {"reply_to_message":"<id>","chunk_type":"response","message_chunk":"<token>",...}
//            PRIVATE {"reply_to_message":"<id>","chunk_type":"reply_end","message_chunk":"{\"reason\":...}"}
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import websockify from 'koa-websocket';
import OpenAI from 'openai';

export interface Baseline {
  wsUrl: string;
  close(): Promise<void>;
}

export async function startBaseline(llmUrl: string): Promise<Baseline> {
  const openai = new OpenAI({ baseURL: llmUrl, apiKey: 'sk-bench', maxRetries: 0 });
  const app = websockify(new Koa());
  const running = new Map<string, AbortController>();

  app.ws.use(async (ctx) => {
    const socket = ctx.websocket;
    const frame = (id: string, seq: number, type: 'response' | 'reply_end', text: string) => {
      const chunk = { message_type: 'assistant', reply_to_message: id, chunk_type: type, message_chunk: text, seq };
      if (socket.readyState === socket.OPEN) socket.send(`PRIVATE ${JSON.stringify(chunk)}`);
    };
    socket.on('message', async (data) => {
      const msg = JSON.parse(data.toString()) as { op: 'ask' | 'cancel'; id: string; text?: string };
      if (msg.op === 'cancel') return running.get(msg.id)?.abort();
      const abort = new AbortController();
      running.set(msg.id, abort);
      let seq = 0;
      let reason = 'completed';
      try {
        const stream = await openai.chat.completions.create(
          { model: 'test-model', messages: [{ role: 'user', content: msg.text ?? '' }], stream: true },
          { signal: abort.signal },
        );
        for await (const part of stream) {
          const token = part.choices[0]?.delta?.content;
          if (token) frame(msg.id, ++seq, 'response', token);
        }
      } catch (err) {
        if (!abort.signal.aborted) reason = `error: ${(err as Error).message}`;
      } finally {
        // The openai stream ends quietly (no throw) when aborted mid-body.
        if (abort.signal.aborted) reason = 'user_cancelled';
        running.delete(msg.id);
      }
      frame(msg.id, ++seq, 'reply_end', JSON.stringify({ reason }));
    });
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/`,
    async close() {
      for (const a of running.values()) a.abort();
      app.ws.server?.clients.forEach((c) => c.terminate());
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
