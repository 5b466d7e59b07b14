// The session workflow's lifecycle: continue-as-new keeps long chats going, state is queryable.
import { Worker } from '@temporalio/worker';
import { versionKeys } from '../../src/infra/versions';
import { workflowIdForSession } from '../../src/shared/chat';
import { stateQuery } from '../../src/workflows/definitions';
import { ChatEnv, endReason, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { lastUserText, tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
beforeAll(async () => {
  env = await startChatEnv('workflow', { COCO_CHAT_TURNS_PER_RUN: '2', COCO_CHAT_CONTINUE_QUIET_MS: '200' });
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

it('a message sent right after the quota is answered in the same run: continuing as new waits for a pause', async () => {
  env.llm.fallback = (req) => ({ tokens: tokensOf(`answer ${req.body.messages.length}`) });
  const first = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'turn 1' }));
  const sessionId = first[0]._id;
  const client = env.api.server.deps.temporal.client;
  const run1 = (await client.workflow.getHandle(workflowIdForSession(sessionId)).describe()).runId;
  await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'turn 2' }));
  const third = await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'turn 3' }));
  expect(responseText(third.slice(1))).toMatch(/^answer \d+$/);
  const events = (await client.workflow.getHandle(workflowIdForSession(sessionId), run1).fetchHistory()).events ?? [];
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'beginReply')).toHaveLength(3);
  // Then, quiet for COCO_CHAT_CONTINUE_QUIET_MS, it continues as new.
  let run = run1;
  for (let i = 0; i < 100 && run === run1; i++) {
    await new Promise((r) => setTimeout(r, 50));
    run = (await client.workflow.getHandle(workflowIdForSession(sessionId)).describe()).runId;
  }
  expect(run).not.toBe(run1);
});

describe('the way to the first token', () => {
  /** Per activity type, the first argument (the turn) it was scheduled with. */
  const firstInputs = async (sessionId: string) => {
    const events = (await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).fetchHistory()).events ?? [];
    const out: Record<string, Record<string, unknown>> = {};
    for (const e of events) {
      const a = e.activityTaskScheduledEventAttributes;
      const payload = a?.input?.payloads?.[0];
      // Payloads are encrypted at rest (src/infra/payload-codec.ts): decoded with the client's codec.
      const data = payload && (await env.api.server.deps.temporal.codec.decode([payload]))[0]?.data;
      if (a?.activityType?.name && data && !out[a.activityType.name]) out[a.activityType.name] = JSON.parse(Buffer.from(data).toString());
    }
    return out;
  };

  const activitiesOf = async (sessionId: string) => {
    const events = (await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).fetchHistory()).events ?? [];
    return events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => !!n);
  };

  it('a turn with no step before the answer is one activity that loads the context, answers and saves the reply', async () => {
    env.llm.queue.push({ tokens: tokensOf('straight away') });
    const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'just answer' }));
    expect(responseText(lines.slice(1))).toBe('straight away');
    const names = await activitiesOf(lines[0]._id);
    expect(names[0]).toBe('beginReply');
    expect(names).not.toContain('loadContext');
    expect(names).not.toContain('answer');
    expect(names).not.toContain('finalize');
    const saved = (await env.api.request('GET', `/chat/${lines[0]._id}/_history`)).body.hits.hits[1]._source;
    expect(saved).toMatchObject({ type: 'assistant', message: 'straight away' });
    // The turn stays small in the history: the assistant's history size, not the assistant.
    const turnsGiven = await firstInputs(lines[0]._id);
    expect(turnsGiven.beginReply).toMatchObject({ text: 'just answer', historyNumber: 5 });
    expect(turnsGiven.beginReply).not.toHaveProperty('assistant');
    // It names the assistant version the API checked, so the worker's cached copy at it needs no Redis read.
    const { redis, config } = env.api.server.deps;
    const version = (await redis.get(versionKeys(config.redis.prefix).assistant(String(turnsGiven.beginReply?.assistantId)))) ?? 'none';
    expect(turnsGiven.beginReply).toMatchObject({ assistantId: 'default', assistantVersion: version });
  });

  it('history comes from the workflow, across continue-as-new; a restarted run reads it once, then keeps it', async () => {
    const { models } = env.api.server.deps.mongo;
    const created = await env.api.request('POST', '/assistant/', {
      name: 'history keeper',
      keepalive: '1s',
      answering_model: { provider_id: 'coco', name: 'test-model', prompt: { template: 'H=[{{.history}}] Q=[{{.query}}]' } },
      chat_settings: { history_message: { number: 10, compression_threshold: 0, summary: false } },
    });
    const q = `?assistant_id=${created.body._id}`;
    const promptFor = (text: string) => String(env.llm.requests.filter((r) => lastUserText(r).includes(`Q=[${text}]`)).at(-1)!.body.messages.at(-1).content);
    const turn = async (sessionId: string, text: string, answer: string) => {
      env.llm.queue.push({ tokens: tokensOf(answer) });
      const lines = await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat${q}`, { message: text }));
      expect(responseText(lines.slice(1))).toBe(answer);
      return promptFor(text);
    };

    env.llm.queue.push({ tokens: tokensOf('one') });
    const first = await readNdjson(await postStream(env.api, `/chat/_create${q}`, { message: 'alpha' }));
    const sessionId = first[0]._id as string;
    // Messages cannot be edited through the API; changing one underneath shows where a prompt's history came from.
    await models.ChatMessage.updateOne({ session_id: sessionId, message: 'alpha' }, { $set: { message: 'EDITED' } });

    const second = await turn(sessionId, 'beta', 'two');
    expect(second).toContain('user: alpha');
    expect(second).toContain('assistant: one');
    expect(second).not.toContain('EDITED');
    // Two turns per run: the third, sent at once, runs in this run or the next, which was handed the conversation.
    const third = await turn(sessionId, 'gamma', 'three');
    expect(third).toMatch(/user: alpha[\s\S]*assistant: one[\s\S]*user: beta[\s\S]*assistant: two/);

    // Idle past the keepalive, the workflow completes; the next run knows nothing and reads the messages.
    await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).result();
    await models.ChatMessage.updateOne({ message: 'beta', session_id: sessionId }, { $set: { message: 'beta, as stored' } });
    const fourth = await turn(sessionId, 'delta', 'four');
    expect(fourth).toMatch(/user: EDITED[\s\S]*user: beta, as stored[\s\S]*assistant: three/);
    // What it read seeds the new run's conversation: the next turn reads nothing.
    await models.ChatMessage.updateOne({ message: 'delta', session_id: sessionId }, { $set: { message: 'delta, changed underneath' } });
    const fifth = await turn(sessionId, 'epsilon', 'five');
    expect(fifth).toMatch(/user: beta, as stored[\s\S]*user: delta\n[\s\S]*assistant: four/);
    expect(fifth).not.toContain('changed underneath');
    // The run that served the last turns replays on the same code (deterministic, patch marker included).
    const history = await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).fetchHistory();
    await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows'), dataConverter: env.api.server.deps.temporal.dataConverter }, history);
  });

  it('a provider change reaches the worker at the next turn, though workers keep providers cached', async () => {
    const provider = await env.api.request('POST', '/model_provider/', { name: 'cached', api_type: 'openai', base_url: env.llm.url, models: [{ name: 'test-model' }], enabled: true });
    const created = await env.api.request('POST', '/assistant/', { name: 'uses cached', answering_model: { provider_id: provider.body._id, name: 'test-model' } });
    const q = `?assistant_id=${created.body._id}`;
    env.llm.queue.push({ tokens: tokensOf('served') });
    const first = await readNdjson(await postStream(env.api, `/chat/_create${q}`, { message: 'hello' }));
    expect(responseText(first.slice(1))).toBe('served');

    const { body: stored } = await env.api.request('GET', `/model_provider/${provider.body._id}`);
    expect((await env.api.request('PUT', `/model_provider/${provider.body._id}`, { ...stored._source, enabled: false })).status).toBe(200);
    const second = await readNdjson(await postStream(env.api, `/chat/${first[0]._id}/_chat${q}`, { message: 'again' }));
    expect(endReason(second)).toBe('error');
    const shown = second.filter((c) => c.chunk_type === 'response' && c.message_type === 'system').map((c) => c.message_chunk).join('');
    expect(shown).toContain(`model provider [${provider.body._id}] is not enabled`);
  });

  it('an assistant change is seen at the next send, though API instances and workers keep assistants cached', async () => {
    const created = await env.api.request('POST', '/assistant/', { name: 'toggled', answering_model: { provider_id: 'coco', name: 'test-model' } });
    const id = created.body._id as string;
    env.llm.queue.push({ tokens: tokensOf('first') });
    const first = await readNdjson(await postStream(env.api, `/chat/_create?assistant_id=${id}`, { message: 'one' }));
    expect(responseText(first.slice(1))).toBe('first');
    const put = async (changes: Record<string, unknown>) => {
      const { body } = await env.api.request('GET', `/assistant/${id}`);
      expect((await env.api.request('PUT', `/assistant/${id}`, { ...body._source, ...changes })).status).toBe(200);
    };

    await put({ enabled: false });
    const refused = await postStream(env.api, `/chat/${first[0]._id}/_chat?assistant_id=${id}`, { message: 'two' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { reason: string } }).error.reason).toBe(`assistant [${id}] is not enabled`);

    await put({ enabled: true, answering_model: { provider_id: 'coco', name: 'test-model', prompt: { template: 'NEW TEMPLATE {{.query}}' } } });
    env.llm.queue.push({ tokens: tokensOf('again') });
    const third = await readNdjson(await postStream(env.api, `/chat/${first[0]._id}/_chat?assistant_id=${id}`, { message: 'three' }));
    expect(responseText(third.slice(1))).toBe('again');
    expect(lastUserText(env.llm.requests.filter((r) => lastUserText(r).includes('three')).at(-1)!)).toBe('NEW TEMPLATE three');
  });
});
