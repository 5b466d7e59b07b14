// The session workflow's lifecycle: continue-as-new keeps long chats going, state is queryable.
import { workflowIdForSession } from '../../src/shared/chat';
import { stateQuery } from '../../src/workflows/definitions';
import { ChatEnv, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
beforeAll(async () => {
  env = await startChatEnv('workflow', { COCO_CHAT_TURNS_PER_RUN: '2' });
}, 60_000);
afterAll(() => env.close());

it('continues as new after the configured number of turns, keeping the count and answering on', async () => {
  env.llm.fallback = (req) => ({ tokens: tokensOf(`answer ${req.body.messages.length}`) });
  const first = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'turn 1' }));
  const sessionId = first[0]._id;
  const handle = () => env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId));
  const run1 = (await handle().describe()).runId;
  await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'turn 2' }));
  // the second turn completes the run's quota: the workflow continues as new
  let run2 = run1;
  for (let i = 0; i < 100 && run2 === run1; i++) {
    await new Promise((r) => setTimeout(r, 50));
    run2 = (await handle().describe()).runId;
  }
  expect(run2).not.toBe(run1);
  const third = await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'turn 3' }));
  expect(responseText(third.slice(1))).toMatch(/^answer \d+$/);
  let state = await handle().query(stateQuery);
  for (let i = 0; i < 100 && state.turnsDone < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    state = await handle().query(stateQuery);
  }
  expect(state).toMatchObject({ status: 'idle', turnsDone: 3, current: null });
});
