// Database writes that fail during a turn, made to fail for real (no mock) by a unique index on a session's
// message texts. (1) The user message is written beside the turn's start: when that write fails after the
// workflow took the turn, the API takes the turn back: the sender gets 503, and neither the turn nor its
// reply remains, in the database or in the conversation the workflow keeps for later prompts. (2) The
// answering step saves the reply itself; when that fails, the finalize step saves it once it can.
import { workflowIdForSession } from '../../src/shared/chat';
import { ChatEnv, endReason, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { lastUserText, tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
beforeAll(async () => {
  env = await startChatEnv('write-failures');
}, 60_000);
afterAll(() => env.close());

const historyOf = async (sessionId: string) => (await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).fetchHistory()).events ?? [];

/** Whether the session's workflow has completed a step of this type. */
async function stepCompleted(sessionId: string, type: string): Promise<boolean> {
  const events = await historyOf(sessionId);
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => String(e.eventId)));
  return events.some((e) => scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)));
}

/** Failures of a step of this type so far (attempts that will be retried show up as the pending activity's last failure). */
async function stepFailing(sessionId: string, type: string): Promise<boolean> {
  const described = await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).describe();
  return (described.raw.pendingActivities ?? []).some((a) => a.activityType?.name === type && (a.attempt ?? 0) > 1);
}

const uniqueTexts = () => env.api.server.deps.mongo.models.ChatMessage.collection.createIndex({ session_id: 1, message: 1 }, { unique: true, name: 'test_unique_texts' });
const anyTexts = () => env.api.server.deps.mongo.models.ChatMessage.collection.dropIndex('test_unique_texts');

it('a turn whose message cannot be saved is taken back: 503, and nothing of it remains', async () => {
  const created = await env.api.request('POST', '/assistant/', {
    name: 'withdrawals',
    answering_model: { provider_id: 'coco', name: 'test-model', prompt: { template: 'H=[{{.history}}] Q=[{{.query}}]' } },
    chat_settings: { history_message: { number: 10, compression_threshold: 0, summary: false } },
  });
  const q = `?assistant_id=${created.body._id}`;
  env.llm.queue.push({ tokens: tokensOf('first answer') });
  const first = await readNdjson(await postStream(env.api, `/chat/_create${q}`, { message: 'hello' }));
  const sessionId = first[0]._id as string;
  expect(responseText(first.slice(1))).toBe('first answer');

  // A real write failure, no mock: with this index, the same text again in the session is a duplicate key.
  // The turn request goes out beside the write, so the workflow has taken the turn when the write fails.
  await uniqueTexts();
  try {
    env.llm.queue.push({ tokens: tokensOf('never kept, never kept, never kept'), delayMs: 30 });
    const refused = await postStream(env.api, `/chat/${sessionId}/_chat${q}`, { message: 'hello' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { reason: string } }).error.reason).toMatch(/the reply could not be started: .*duplicate key/);
    for (let i = 0; i < 100 && !(await stepCompleted(sessionId, 'discardReply')); i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await anyTexts();
  }
  expect(await stepCompleted(sessionId, 'discardReply')).toBe(true);
  env.llm.queue.length = 0; // the withdrawn reply may have stopped before asking the model

  const history = (await env.api.request('GET', `/chat/${sessionId}/_history`)).body.hits.hits as Array<{ _source: { type: string; message: string } }>;
  expect(history.map((h) => [h._source.type, h._source.message])).toEqual([
    ['user', 'hello'],
    ['assistant', 'first answer'],
  ]);

  // The workflow's conversation forgot it too: the next prompt's history holds the first exchange only.
  env.llm.queue.push({ tokens: tokensOf('third answer') });
  const third = await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat${q}`, { message: 'again' }));
  expect(responseText(third.slice(1))).toBe('third answer');
  const prompt = lastUserText(env.llm.requests.filter((r) => lastUserText(r).includes('Q=[again]')).at(-1)!);
  expect(prompt).toContain('first answer');
  expect(prompt).not.toContain('never kept');
  expect(prompt.match(/hello/g)).toHaveLength(1);
});

it('a reply the answering step could not save is saved by the finalize step, once, when the database takes it', async () => {
  env.llm.queue.push({ tokens: tokensOf('same answer') });
  const first = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'first question' }));
  const sessionId = first[0]._id as string;
  expect(responseText(first.slice(1))).toBe('same answer');

  // The same answer again collides: saving the second reply fails until the index goes.
  await uniqueTexts();
  let lines: any[] = [];
  try {
    env.llm.queue.push({ tokens: tokensOf('same answer') });
    const reading = readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'second question' })).then((l) => (lines = l));
    let failing = false;
    for (let i = 0; i < 200 && !failing; i++) {
      await new Promise((r) => setTimeout(r, 25));
      failing = await stepFailing(sessionId, 'finalize');
    }
    expect(failing).toBe(true); // the answering step's save failed, and so did the finalize step's first attempt
    await anyTexts();
    await reading;
  } finally {
    await anyTexts().catch(() => undefined);
  }
  expect(responseText(lines.slice(1))).toBe('same answer');
  expect(lines.filter((c) => c.chunk_type === 'reply_end')).toHaveLength(1);
  expect(endReason(lines.slice(1))).toBe('completed');
  const history = (await env.api.request('GET', `/chat/${sessionId}/_history`)).body.hits.hits as Array<{ _source: { type: string; message: string } }>;
  expect(history.map((h) => h._source.message)).toEqual(['first question', 'same answer', 'second question', 'same answer']);
  expect(await stepCompleted(sessionId, 'finalize')).toBe(true);
});
