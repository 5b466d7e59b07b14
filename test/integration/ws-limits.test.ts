// WebSocket bounds (issue 14): a cap on the sockets one token holds, a flood of messages closes the
// socket, and sockets that close during their setup leave no presence key or subscription behind.
import WebSocket from 'ws';
import { seedUser, startTestApi, TestApi, TestUser } from '../helpers/api';

let api: TestApi;
let user: TestUser;

beforeAll(async () => {
  api = await startTestApi('ws-limits', { COCO_WS_MAX_PER_TOKEN: '3', COCO_REDIS_PREFIX: `test:wslimits:${process.pid}:` });
  user = await seedUser(api, 'ws-limits-user');
}, 60_000);
afterAll(() => api.close());

const wsUrl = () => `ws://127.0.0.1:${api.server.wsPort}/ws`;

/** Opens a socket; resolves with it once the CONFIG frame came, or with the refusal's HTTP status. */
function open(token: string): Promise<{ socket?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl(), { headers: { 'X-API-TOKEN': token } });
    socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    socket.on('message', (d) => {
      if (d.toString().startsWith('CONFIG')) resolve({ socket });
    });
    socket.on('error', () => undefined);
  });
}

const closed = (s: WebSocket) => new Promise<number>((r) => s.on('close', (code) => r(code)));
const presenceKeys = () => api.server.deps.redis.keys(`test:wslimits:${process.pid}:ws:*`);

it('lets one token hold at most COCO_WS_MAX_PER_TOKEN sockets, and frees a place when one closes', async () => {
  const held = await Promise.all([open(user.token), open(user.token), open(user.token)]);
  expect(held.every((h) => h.socket)).toBe(true);
  expect((await open(user.token)).status).toBe(429);
  // Another token is not affected.
  const admin = await open(api.token);
  expect(admin.socket).toBeDefined();
  admin.socket!.close();
  const first = held[0]!.socket!;
  first.close();
  await closed(first);
  await new Promise((r) => setTimeout(r, 50));
  const again = await open(user.token);
  expect(again.socket).toBeDefined();
  for (const h of [...held.slice(1), again]) h.socket!.close();
});

it('closes a socket that floods messages (1008)', async () => {
  const { socket } = await open(api.token);
  expect(socket).toBeDefined();
  const done = closed(socket!);
  for (let i = 0; i < 200; i++) socket!.send('help');
  expect(await done).toBe(1008);
});

it('leaves nothing behind for sockets that close during their setup', async () => {
  await new Promise((r) => setTimeout(r, 200));
  const before = (await presenceKeys()).length;
  await Promise.all(
    Array.from({ length: 100 }, () => {
      const s = new WebSocket(wsUrl(), { headers: { 'X-API-TOKEN': api.token } });
      s.on('error', () => undefined);
      return new Promise<void>((r) => {
        s.on('upgrade', () => {
          s.terminate();
          r();
        });
        s.on('unexpected-response', () => r());
      });
    }),
  );
  const deadline = Date.now() + 5000;
  while ((await presenceKeys()).length > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect((await presenceKeys()).length).toBe(before);
  // The server still takes sockets.
  const ok = await open(api.token);
  expect(ok.socket).toBeDefined();
  ok.socket!.close();
});
