// Admission under overload, on a real server: with 2 turn starts at a time and 3 more allowed to wait,
// 8 new chats at once give 5 chats and 3 immediate 503s with Retry-After that stored nothing. (No worker
// at first, so the two starts in flight hold their slots until one arrives.)
import { RunningWorker, startWorker } from '../../src/worker';
import { ChatEnv, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
let worker: RunningWorker | undefined;
beforeAll(async () => {
  env = await startChatEnv('overload', { COCO_TURN_STARTS: '2', COCO_TURN_QUEUE: '3', COCO_CHAT_ADMISSION_MS: '30000' }, { worker: false });
}, 60_000);
afterAll(async () => {
  await worker?.shutdown().catch(() => undefined);
  await env.close();
});

it('queues what it can start soon, refuses the rest at once with 503 and Retry-After, and stores nothing for them', async () => {
  env.llm.fallback = () => ({ tokens: tokensOf('answered') });
  const t0 = Date.now();
  const requests = Array.from({ length: 8 }, (_, i) =>
    postStream(env.api, '/chat/_create', { message: `chat ${i}` }).then(async (res) => ({ res, at: Date.now() - t0 })),
  );
  // The refusals come before any worker exists.
  await new Promise((r) => setTimeout(r, 1500));
  worker = await startWorker(env.api.server.deps.config);
  const done = await Promise.all(requests);

  const refused = done.filter((d) => d.res.status === 503);
  const accepted = done.filter((d) => d.res.status === 200);
  expect(refused).toHaveLength(3);
  expect(accepted).toHaveLength(5);
  for (const r of refused) {
    expect(r.at).toBeLessThan(1500);
    expect(Number(r.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await r.res.json()) as { error: { reason: string } }).error.reason).toMatch(/server is busy: 3 turns are already waiting/);
  }
  for (const a of accepted) {
    const lines = await readNdjson(a.res);
    expect(responseText(lines.slice(1))).toBe('answered');
  }
  // Only the admitted chats exist.
  const listed = await env.api.request('GET', '/chat/_history?size=50');
  expect(listed.body.hits.total.value).toBe(5);
}, 60_000);
