// What a reply does when things go wrong around it, short of a crash (test/chaos/ kills processes):
// a model that never answers or goes quiet ends the reply as `timeout` within its provider's bounds; a
// step repeated after its reply finished returns it as it was; a reply that cannot be saved still ends and
// the session's queued turns go on; a session that never pauses still continues as new.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import { readReplyLog } from '../../src/bus/publisher';
import { busKeys } from '../../src/bus/keys';
import { createLogger } from '../../src/infra/logger';
import { newId } from '../../src/shared/ids';
import { type AnswerResult, type Conversation, type FinalInput, type Turn, type TurnContext, workflowIdForSession } from '../../src/shared/chat';
import { connectActivityDeps } from '../../src/worker';
import { ChatEnv, endReason, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { lastUserText, type RecordedRequest, tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
beforeAll(async () => {
  // Runs continue as new after 2 turns, but only in a pause of 60 s, unless their history passed 100 events.
  env = await startChatEnv('durability', { COCO_CHAT_TURNS_PER_RUN: '2', COCO_CHAT_CONTINUE_QUIET_MS: '60000', COCO_CHAT_FORCE_CONTINUE_EVENTS: '100' });
}, 60_000);
afterAll(() => env.close());

/** An assistant on its own provider (the test model) with these timeouts. */
async function assistantWithTimeouts(timeouts: { first_token: string; between_tokens: string }): Promise<string> {
  const provider = await env.api.request('POST', '/model_provider/', { name: `p-${newId()}`, base_url: env.llm.url, api_key: 'sk-x', timeouts });
  expect(provider.status).toBe(200);
  const assistant = await env.api.request('POST', '/assistant/', { name: `a-${newId()}`, answering_model: { provider_id: provider.body._id, name: 'test-model' } });
  return assistant.body._id as string;
}

const systemText = (lines: any[]) => lines.filter((l) => l.chunk_type === 'response' && l.message_type === 'system').map((l) => l.message_chunk).join('');

describe('model timeouts', () => {
  it('a model that never answers ends the reply as timeout after two bounded attempts', async () => {
    const a = await assistantWithTimeouts({ first_token: '1s', between_tokens: '1s' });
    const asked = (r: RecordedRequest) => lastUserText(r).includes('is anyone there');
    env.llm.routes.unshift({ match: asked, script: () => ({ hang: true }) });
    const started = Date.now();
    const lines = await readNdjson(await postStream(env.api, `/chat/_create?assistant_id=${a}`, { message: 'is anyone there?' }));
    const took = Date.now() - started;
    env.llm.routes.shift();
    expect(endReason(lines)).toBe('timeout');
    expect(systemText(lines)).toMatch(/the model sent no first token within 1s/);
    expect(env.llm.requests.filter(asked)).toHaveLength(2);
    expect(took).toBeLessThan(8000); // 2 × 1 s, the retry's backoff, and the turn around them
    const saved = (await env.api.request('GET', `/chat/${lines[0]._id}/_history`)).body.hits.hits[1]._source;
    expect(saved.message).toMatch(/no first token within 1s/);
    expect(saved.details.find((d: any) => d.type === 'reply_end').payload.reason).toBe('timeout');
  });

  it('a model that goes quiet mid-answer ends the reply as timeout', async () => {
    const a = await assistantWithTimeouts({ first_token: '5s', between_tokens: '1s' });
    const asked = (r: RecordedRequest) => JSON.stringify(r.body.messages).includes('keep talking');
    env.llm.routes.unshift({ match: asked, script: () => ({ tokens: tokensOf('one two three four five six'), hangAfter: 3 }) });
    const lines = await readNdjson(await postStream(env.api, `/chat/_create?assistant_id=${a}`, { message: 'keep talking' }));
    env.llm.routes.shift();
    expect(endReason(lines)).toBe('timeout');
    expect(systemText(lines)).toMatch(/the model sent no further token within 1s/);
    expect(responseText(lines.slice(1)).startsWith('one two three')).toBe(true);
  });
});

describe('a stream with nothing to relay', () => {
  // Its own server: clients' streams here give up after 1.5 s without a chunk.
  let quiet: ChatEnv;
  beforeAll(async () => {
    quiet = await startChatEnv('follow-idle', { COCO_FOLLOW_IDLE_MS: '1500' });
  }, 60_000);
  afterAll(() => quiet.close());

  it('ends after the idle bound with a line that says where to resume, and the resume gets the rest', async () => {
    const provider = await quiet.api.request('POST', '/model_provider/', { name: 'slow', base_url: quiet.llm.url, api_key: 'sk-x', timeouts: { first_token: '5s', between_tokens: '3s' } });
    const a = (await quiet.api.request('POST', '/assistant/', { name: 'slow', answering_model: { provider_id: provider.body._id, name: 'test-model' } })).body._id;
    const asked = (r: RecordedRequest) => JSON.stringify(r.body.messages).includes('slow to finish');
    quiet.llm.routes.unshift({ match: asked, script: () => ({ tokens: tokensOf('first words then silence'), hangAfter: 2 }) });
    {
      const lines = await readNdjson(await postStream(quiet.api, `/chat/_create?assistant_id=${a}`, { message: 'slow to finish' }));
      const last = lines.at(-1);
      expect(last.status).toBe(504);
      const chunks = lines.slice(1, -1);
      const lastSeq = chunks.at(-1).seq as number;
      const resumeAt = `/chat/${lines[0]._id}/_stream?message_id=${chunks[0].message_id}&after_seq=${lastSeq}`;
      expect(last.error.reason).toContain(`resume with GET ${resumeAt}`);
      // The reply itself goes on (here: to its own timeout); once it has ended, the resume gets the rest, gap-free.
      for (let i = 0; i < 100; i++) {
        const saved = (await quiet.api.request('GET', `/chat/${lines[0]._id}/_history`)).body.hits.hits;
        if (saved.length === 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const rest = await readNdjson(await fetch(`${quiet.api.url}${resumeAt}`, { headers: { 'X-API-TOKEN': quiet.api.token } }));
      const all = [...chunks, ...rest];
      expect(all.map((c) => c.seq)).toEqual(all.map((_, i) => i + 1));
      expect(endReason(all)).toBe('timeout');
    }
  }, 60_000);
});

describe('a finished reply', () => {
  it('is returned as it was by a repeated step, without asking the model or publishing again', async () => {
    const config = env.api.server.deps.config;
    const { deps, close } = await connectActivityDeps(config, createLogger('silent', 'test'));
    try {
      const activities = createActivities(deps);
      const turn: Turn = {
        sessionId: newId(),
        replyId: newId(),
        userMessageId: newId(),
        assistantId: 'default',
        ownerId: 'admin',
        text: 'answer me once',
        params: { search: false, deepThinking: null, mcp: false, datasource: null, mcpServers: null },
        historyNumber: 5,
      };
      const conversation: Conversation = { entries: [], summary: '', complete: true };
      type Begun = { context: TurnContext; answer: AnswerResult | null };
      const asked = (r: RecordedRequest) => lastUserText(r).includes('answer me once');
      env.llm.routes.unshift({ match: asked, script: () => ({ tokens: tokensOf('The one and only answer.') }) });
      const first: Begun = await new MockActivityEnvironment({ attempt: 1 }).run(activities.beginReply, turn, conversation, true);
      expect(first.answer?.finalized?.entry.text).toBe('The one and only answer.');
      const calls = env.llm.requests.filter(asked).length;
      const keys = busKeys(config.redis.prefix);
      const logged = await readReplyLog(deps.redis, keys, turn.replyId);

      // The step finished, but its completion never reached Temporal (Temporal was down): it runs again.
      const again: Begun = await new MockActivityEnvironment({ attempt: 2 }).run(activities.beginReply, turn, conversation, true);
      expect(again.answer).toMatchObject({ text: 'The one and only answer.', reason: 'completed', finalized: { entry: first.answer!.finalized!.entry } });
      expect(env.llm.requests.filter(asked)).toHaveLength(calls);
      expect(await readReplyLog(deps.redis, keys, turn.replyId)).toEqual(logged);

      // Its log gone (a Redis without persistence restarted): the saved message still says it finished.
      await deps.redis.del(keys.replyLog(turn.replyId));
      const third: Begun = await new MockActivityEnvironment({ attempt: 3 }).run(activities.beginReply, turn, conversation, true);
      expect(third.answer?.text).toBe('The one and only answer.');
      expect(env.llm.requests.filter(asked)).toHaveLength(calls);

      // A repeated finalize with another result leaves the finished message as it was.
      const other: FinalInput = { text: 'something else', think: '', reason: 'completed', lastSeq: 0 };
      await new MockActivityEnvironment().run(activities.finalize, turn, other, []);
      expect((await deps.domain.messages.find(turn.replyId))?.message).toBe('The one and only answer.');
      env.llm.routes.shift();
    } finally {
      await close();
    }
  });
});

describe('a reply that cannot be saved', () => {
  const uniqueTexts = () => env.api.server.deps.mongo.models.ChatMessage.collection.createIndex({ session_id: 1, message: 1 }, { unique: true, name: 'test_unique_texts' });
  const anyTexts = () => env.api.server.deps.mongo.models.ChatMessage.collection.dropIndex('test_unique_texts');

  it('still ends (an error, reply_end) and the turn queued behind it is answered', async () => {
    // A real write failure, no mock: the answer repeats the question word for word, and with this index the
    // same text twice in a session is a duplicate key, at every attempt of the finalize step.
    env.llm.queue.push({ tokens: ['echo me'] });
    const first = await postStream(env.api, '/chat/_create', { message: 'echo me' });
    await uniqueTexts();
    try {
      const lines: any[] = [];
      const reading = readNdjson(first, (l) => lines.push(l));
      // Sent while the first cannot be saved: it waits in the queue behind it.
      while (!lines.length) await new Promise((r) => setTimeout(r, 20));
      const sessionId = lines[0]._id as string;
      env.llm.queue.push({ tokens: tokensOf('The second one is fine.') });
      const second = readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'and this one?' }));
      await reading;
      expect(endReason(lines)).toBe('error');
      expect(systemText(lines)).toMatch(/the reply could not be saved: .*duplicate key/);
      const answered = await second;
      expect(endReason(answered)).toBe('completed');
      expect(responseText(answered.slice(1))).toBe('The second one is fine.');
      const handle = env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId));
      expect((await handle.describe()).status.name).toBe('RUNNING');
    } finally {
      await anyTexts();
    }
  }, 90_000);
});

describe('a session that never pauses', () => {
  it('continues as new once its history passes the bound, and every message is answered', async () => {
    const firstToken: number[] = [];
    let sessionId = '';
    let firstRun = '';
    let handedOverAt = -1;
    for (let i = 0; i < 14; i++) {
      // Temporal holds a new run back until its previous run has lived 1 s (its guard against a continue-as-new
      // loop): answers of ~150 ms make this run live longer than that, as a chat with a real model does.
      env.llm.queue.push({ tokens: tokensOf(`Answer number ${i}.`), delayMs: 50 });
      const sent = Date.now();
      let at = 0;
      const res = i === 0 ? await postStream(env.api, '/chat/_create', { message: `message ${i}` }) : await postStream(env.api, `/chat/${sessionId}/_chat`, { message: `message ${i}` });
      const lines = await readNdjson(res, (l) => {
        if (!at && l.chunk_type === 'response' && l.message_chunk) at = Date.now();
      });
      if (i === 0) {
        sessionId = lines[0]._id;
        firstRun = (await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).describe()).runId;
      }
      expect(responseText(lines.slice(1))).toBe(`Answer number ${i}.`);
      firstToken.push(at - sent);
      const run = (await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).describe()).runId;
      if (handedOverAt < 0 && run !== firstRun) handedOverAt = i;
    }
    const client = env.api.server.deps.temporal.client.workflow;
    expect((await client.getHandle(workflowIdForSession(sessionId), firstRun).describe()).status.name).toBe('CONTINUED_AS_NEW');
    const current = await client.getHandle(workflowIdForSession(sessionId)).describe();
    expect(current.runId).not.toBe(firstRun);
    expect(current.historyLength).toBeLessThan(100);
    const sorted = [...firstToken].sort((x, y) => x - y);
    process.stdout.write(`[durability] first token per message (ms): ${firstToken.join(', ')}; median ${sorted[7]}, max ${sorted.at(-1)}; the first message of the new run (#${handedOverAt}): ${firstToken[handedOverAt]}\n`);
    // The message that arrives as the run hands over waits for the new run's first task, no more.
    expect(sorted.at(-1)! - sorted[7]!).toBeLessThan(1000);
  }, 120_000);
});
