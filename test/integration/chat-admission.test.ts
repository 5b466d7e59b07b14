// With no worker running, a send does not hang: it answers 503 within COCO_CHAT_ADMISSION_MS, stores
// nothing, and a worker that comes back later does not answer the refused turn by surprise.
import { workflowIdForSession } from '../../src/shared/chat';
import { RunningWorker, startWorker } from '../../src/worker';
import { stateQuery } from '../../src/workflows/definitions';
import { ChatEnv, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
let worker: RunningWorker | undefined;
beforeAll(async () => {
  env = await startChatEnv('admission', { COCO_CHAT_ADMISSION_MS: '2500' }, { worker: false });
}, 60_000);
afterAll(async () => {
  await worker?.shutdown().catch(() => undefined);
  await env.close();
});

it('answers 503 when no worker takes the turn, and the turn is not answered once a worker is back', async () => {
  const session = (await env.api.request('POST', '/chat/_new', {})).body._id as string;
  const started = Date.now();
  const refused = await postStream(env.api, `/chat/${session}/_chat`, { message: 'anyone there?' });
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { error: { reason: string } }).error.reason).toMatch(/no worker took the turn within 2.5s/);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect((await env.api.request('GET', `/chat/${session}/_history`)).body.hits.total.value).toBe(0);

  // A worker arrives: the waiting turn reaches the workflow, which refuses it as too old.
  worker = await startWorker(env.api.server.deps.config);
  const handle = env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(session));
  let state = await handle.query(stateQuery);
  for (let i = 0; i < 40 && state.turnsDone === 0 && state.status !== 'replying'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    state = await handle.query(stateQuery);
  }
  expect(state).toMatchObject({ status: 'idle', queued: 0, turnsDone: 0 });
  expect(env.llm.requests).toHaveLength(0);

  // And the session works as soon as a worker is there.
  env.llm.queue.push({ tokens: tokensOf('here now') });
  const answered = await readNdjson(await postStream(env.api, `/chat/${session}/_chat`, { message: 'and now?' }));
  expect(responseText(answered.slice(1))).toBe('here now');
}, 60_000);
