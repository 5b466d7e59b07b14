// Retrieval, deep think, history, templates, titles and AI overview: the test model checks the prompts
// it receives, and scripted outputs drive each step's chunks and saved details.
import { workflowIdForSession } from '../../src/shared/chat';
import { ChatEnv, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { RecordedRequest, tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
let kb: string;
let other: string;
const docIds: Record<string, string> = {};

const isIntent = (r: RecordedRequest) => String(r.body.messages.at(-1)?.content).includes('Reply with one JSON object inside <JSON>');
const isPicking = (r: RecordedRequest) => String(r.body.messages.at(-1)?.content).includes('Choose at most 5 documents');
const answerRequests = () => env.pipelineRequests().filter((r) => !isIntent(r) && !isPicking(r));
const lastPrompt = () => String(answerRequests().at(-1)!.body.messages.at(-1).content);

async function chat(path: string, message: string) {
  const lines = await readNdjson(await postStream(env.api, path, { message }));
  return { first: lines[0], chunks: lines.slice(1) };
}

async function savedReply(sessionId: string) {
  const hits = (await env.api.request('GET', `/chat/${sessionId}/_history?size=100`)).body.hits.hits;
  return hits.filter((h: any) => h._source.type === 'assistant').at(-1)._source;
}

async function assistant(body: Record<string, unknown>): Promise<string> {
  const res = await env.api.request('POST', '/assistant/', { answering_model: { provider_id: 'coco', name: 'test-model' }, ...body });
  expect(res.status).toBe(200);
  return res.body._id;
}

const sourcesOf = (chunks: any[]) => {
  const joined = chunks.filter((c) => c.chunk_type === 'fetch_source').map((c) => c.message_chunk).join('');
  const m = /^<Payload total=(\d+)>([\s\S]*)<\/Payload>$/.exec(joined);
  return m ? { total: Number(m[1]), docs: JSON.parse(m[2]!) as Array<{ id: string; title: string }> } : undefined;
};

beforeAll(async () => {
  env = await startChatEnv('intelligence');
  env.llm.fallback = () => ({ tokens: tokensOf('An answer.') });
  kb = (await env.api.request('POST', '/datasource/', { name: 'Knowledge base', description: 'Engineering notes' })).body._id;
  other = (await env.api.request('POST', '/datasource/', { name: 'Other notes' })).body._id;
  const docs: Array<[string, string, Record<string, unknown>]> = [
    ['replay', kb, { title: 'Temporal replay and determinism', category: 'guide', tags: ['temporal'], content: 'Workflow code is replayed from history, so it must be deterministic. FULL-CONTENT-MARKER-REPLAY' }],
    ['heartbeat', kb, { title: 'Activity heartbeats', category: 'guide', tags: ['temporal'], content: 'Activities heartbeat so that a dead worker is detected. Temporal retries them.' }],
    ['redis', kb, { title: 'Redis streams', category: 'howto', tags: ['redis'], content: 'Streams keep a log that consumers can replay.' }],
    ['draft', kb, { title: 'Temporal draft notes', category: 'guide', content: 'Temporal unfinished', disabled: true }],
    ['elsewhere', other, { title: 'Temporal in another datasource', category: 'guide', content: 'Temporal elsewhere' }],
  ];
  for (let i = 0; i < 12; i++) docs.push([`filler${i}`, kb, { title: `Temporal filler note ${i}`, category: 'misc', content: `temporal filler ${i}` }]);
  for (const [key, ds, body] of docs) {
    docIds[key] = (await env.api.request('POST', `/datasource/${ds}/_doc`, body)).body._id;
  }
}, 60_000);
afterAll(() => env.close());

describe('simple pipeline with search=true', () => {
  it('streams fetch_source, cites the documents in the prompt and saves the sources', async () => {
    const a = await assistant({ name: 'searcher', datasource: { enabled: true, ids: [kb] } });
    const { first, chunks } = await chat(`/chat/_create?assistant_id=${a}&search=true`, 'How does replay and determinism work?');
    const sources = sourcesOf(chunks)!;
    expect(sources.total).toBe(sources.docs.length);
    expect(sources.total).toBeLessThanOrEqual(10);
    expect(sources.docs[0]).toMatchObject({ id: docIds.replay, title: 'Temporal replay and determinism', source: { id: kb, name: 'Knowledge base' } });
    const ids = sources.docs.map((d) => d.id);
    expect(ids).not.toContain(docIds.draft); // disabled document
    expect(ids).not.toContain(docIds.elsewhere); // not one of the assistant's datasources
    // slices of at most 512 characters, numbered 0, 1, 2 ...
    const slices = chunks.filter((c) => c.chunk_type === 'fetch_source');
    expect(slices.map((c) => c.chunk_sequence)).toEqual(slices.map((_, i) => i));
    for (const c of slices) expect(Array.from(c.message_chunk as string).length).toBeLessThanOrEqual(512);

    const prompt = lastPrompt();
    expect(prompt).toContain('<REFERENCES>');
    expect(prompt).toContain('Title: Temporal replay and determinism');
    expect(prompt).toContain('How does replay and determinism work?');
    const saved = await savedReply(first._id);
    const detail = saved.details.find((d: any) => d.type === 'fetch_source');
    expect(detail.order).toBe(20);
    expect(detail.payload[0]).toMatchObject({ id: docIds.replay, title: 'Temporal replay and determinism', category: 'guide' });
  });

  it('retrieves nothing without search=true', async () => {
    const a = await assistant({ name: 'no search', datasource: { enabled: true, ids: [kb] } });
    const { chunks } = await chat(`/chat/_create?assistant_id=${a}`, 'replay determinism');
    expect(chunks.some((c) => c.chunk_type === 'fetch_source')).toBe(false);
    expect(lastPrompt()).not.toContain('<REFERENCES>');
  });

  it('applies "*", the request datasource pick, datasource.filter and request filters', async () => {
    const all = await assistant({ name: 'all sources', datasource: { enabled: true, ids: ['*'] } });
    const everywhere = sourcesOf((await chat(`/chat/_create?assistant_id=${all}&search=true`, 'temporal')).chunks)!;
    expect(everywhere.docs.map((d) => d.id)).toContain(docIds.elsewhere);
    const picked = sourcesOf((await chat(`/chat/_create?assistant_id=${all}&search=true&datasource=${other}`, 'temporal')).chunks)!;
    expect(picked.docs.map((d) => d.id)).toEqual([docIds.elsewhere]);

    const filtered = await assistant({ name: 'guides only', datasource: { enabled: true, ids: [kb], filter: { term: { category: 'guide' } } } });
    const guides = sourcesOf((await chat(`/chat/_create?assistant_id=${filtered}&search=true`, 'temporal')).chunks)!;
    expect(guides.docs.map((d) => d.id).sort()).toEqual([docIds.replay, docIds.heartbeat].sort());
    const tagged = sourcesOf((await chat(`/chat/_create?assistant_id=${all}&search=true&tags=redis`, 'streams log replay')).chunks)!;
    expect(tagged.docs.map((d) => d.id)).toEqual([docIds.redis]);
  });

  it('sees document changes, and skips disabled datasources', async () => {
    const a = await assistant({ name: 'fresh', datasource: { enabled: true, ids: [kb, other] } });
    const added = (await env.api.request('POST', `/datasource/${kb}/_doc`, { title: 'Quokka facts', content: 'quokkas smile' })).body._id;
    expect(sourcesOf((await chat(`/chat/_create?assistant_id=${a}&search=true`, 'quokka')).chunks)!.docs.map((d) => d.id)).toEqual([added]);
    await env.api.request('DELETE', `/document/${added}`);
    // (Another text: the same request again within 100 ms is refused as a duplicate, and replies are that quick.)
    expect(sourcesOf((await chat(`/chat/_create?assistant_id=${a}&search=true`, 'quokka facts')).chunks)!.total).toBe(0);

    const ds = (await env.api.request('GET', `/datasource/${other}`)).body._source;
    await env.api.request('PUT', `/datasource/${other}`, { ...ds, enabled: false });
    const ids = sourcesOf((await chat(`/chat/_create?assistant_id=${a}&search=true`, 'temporal elsewhere')).chunks)!.docs.map((d) => d.id);
    expect(ids).not.toContain(docIds.elsewhere);
    await env.api.request('PUT', `/datasource/${other}`, { ...ds, enabled: true });
  });
});

describe('deep think', () => {
  const intentJson = JSON.stringify({
    category: 'engineering',
    intent: 'understand replay',
    query: ['workflow replay determinism'],
    keyword: ['deterministic'],
    suggestion: ['What breaks determinism?'],
    need_network_search: true,
    need_call_tools: false,
    need_plan_tasks: false,
  });

  it('runs intent → retrieval → picking → deep read → answer, streaming and saving each step', async () => {
    const a = await assistant({ name: 'deep', type: 'deep_think', datasource: { enabled: true, ids: [kb] } });
    env.llm.routes.unshift(
      { match: isIntent, script: () => ({ tokens: tokensOf(`Thinking about it. <JSON>${intentJson}</JSON>`) }) },
      { match: isPicking, script: () => ({ tokens: tokensOf(`<JSON>[{"id":"${docIds.replay}","title":"x","explain":"it explains replay"},{"id":"not-a-candidate","explain":"made up"}]</JSON>`) }) },
    );
    try {
      const { first, chunks } = await chat(`/chat/_create?assistant_id=${a}&search=true`, 'why must workflows be deterministic?');
      const kinds = chunks.map((c) => c.chunk_type).filter((k, i, all) => k !== all[i - 1]);
      expect(kinds).toEqual(['query_intent', 'fetch_source', 'pick_source', 'deep_read', 'response', 'reply_end']);
      expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i + 1));
      expect(chunks.filter((c) => c.chunk_type === 'query_intent').map((c) => c.message_chunk).join('')).toContain('<JSON>');
      expect(chunks.find((c) => c.chunk_type === 'pick_source').message_chunk).toBe(''); // Coco's marker
      expect(chunks.filter((c) => c.chunk_type === 'deep_read').map((c) => c.message_chunk)).toEqual(['Obtaining and analyzing documents in depth:  Temporal replay and determinism\n']);

      // retrieval used the intent's rephrasings; the picking prompt listed candidates; the answer read the full document
      const picking = env.pipelineRequests().find(isPicking)!;
      expect(String(picking.body.messages.at(-1).content)).toContain(`{"id":"${docIds.replay}","title":"Temporal replay and determinism"`);
      expect(String(picking.body.messages.at(-1).content)).toContain(docIds.redis); // found through the intent's "replay"
      expect(lastPrompt()).toContain('FULL-CONTENT-MARKER-REPLAY');

      const saved = await savedReply(first._id);
      expect(saved.details.map((d: any) => [d.order, d.type])).toEqual([
        [10, 'query_intent'],
        [20, 'fetch_source'],
        [30, 'pick_source'],
        [40, 'deep_read'],
        [99, 'reply_end'],
      ]);
      expect(saved.details[0].payload).toMatchObject({ intent: 'understand replay', query: ['workflow replay determinism'] });
      // The answer step saved the reply with the steps' details itself: no finalize step after it.
      const events = (await env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(first._id)).fetchHistory()).events ?? [];
      const steps = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
      expect(steps.slice(0, 6)).toEqual(['beginReply', 'analyzeIntent', 'retrieveDocuments', 'pickDocuments', 'deepRead', 'answer']);
      expect(steps).not.toContain('finalize');
      expect(saved.details[2].payload).toEqual([{ id: docIds.replay, title: 'Temporal replay and determinism', explain: 'it explains replay' }]);
    } finally {
      env.llm.routes.splice(0, 2);
    }
  });

  it('goes on without an intent when the intent output is malformed, and keeps the top documents when picking is', async () => {
    const a = await assistant({ name: 'deep malformed', type: 'deep_think', datasource: { enabled: true, ids: [kb] } });
    env.llm.routes.unshift(
      { match: isIntent, script: () => ({ tokens: tokensOf('<JSON>{"intent": "oops", </JSON> and more prose') }) },
      { match: isPicking, script: () => ({ tokens: tokensOf('I would pick the first one, probably.') }) },
    );
    try {
      const { first, chunks } = await chat(`/chat/_create?assistant_id=${a}&search=true`, 'temporal heartbeats');
      expect(JSON.parse(chunks.at(-1).message_chunk).reason).toBe('completed');
      const saved = await savedReply(first._id);
      const types = saved.details.map((d: any) => d.type);
      expect(types).not.toContain('query_intent');
      const picks = saved.details.find((d: any) => d.type === 'pick_source').payload;
      const fetched = saved.details.find((d: any) => d.type === 'fetch_source').payload;
      expect(picks.map((p: any) => p.id)).toEqual(fetched.slice(0, 5).map((f: any) => f.id));
      expect(responseText(chunks)).toBe('An answer.');
    } finally {
      env.llm.routes.splice(0, 2);
    }
  });

  it('deep_thinking=false runs the simple pipeline', async () => {
    const a = await assistant({ name: 'deep off', type: 'deep_think', datasource: { enabled: true, ids: [kb] } });
    const { chunks } = await chat(`/chat/_create?assistant_id=${a}&search=true&deep_thinking=false`, 'temporal');
    expect(chunks.some((c) => c.chunk_type === 'query_intent' || c.chunk_type === 'pick_source')).toBe(false);
    expect(chunks.some((c) => c.chunk_type === 'fetch_source')).toBe(true);
  });
});

describe('history, templates and settings', () => {
  it('renders input_preprocess_tpl and a custom answer template with its variables, and passes the settings', async () => {
    const a = await assistant({
      name: 'templated',
      answering_model: {
        provider_id: 'coco',
        name: 'test-model',
        settings: { temperature: 0.3, top_p: 0.9, max_tokens: 77 },
        prompt: { template: 'Q=[{{.query}}] H=[{{.history}}] R=[{{.references}}] T=[{{.tools_output}}] U=[{{.unknown}}]' },
      },
      chat_settings: { input_preprocess_tpl: 'Please answer: {{.query}}' },
      role_prompt: 'You are a pirate.',
    });
    await chat(`/chat/_create?assistant_id=${a}`, 'what is redis?');
    const req = answerRequests().at(-1)!;
    expect(req.body.messages[0]).toEqual({ role: 'system', content: 'You are a pirate.' });
    expect(req.body.messages.at(-1).content).toBe('Q=[Please answer: what is redis?] H=[] R=[] T=[] U=[]');
    expect(req.body).toMatchObject({ model: 'test-model', temperature: 0.3, top_p: 0.9, max_tokens: 77, stream: true });
  });

  it('compresses older turns into the session summary, incrementally, and prompts with it', async () => {
    const a = await assistant({ name: 'summariser', chat_settings: { history_message: { number: 10, compression_threshold: 200, summary: true } } });
    const long = (n: number) => `turn ${n}: ${'lorem ipsum '.repeat(10)}`;
    const { first } = await chat(`/chat/_create?assistant_id=${a}`, long(1));
    const sessionId = first._id;
    const models = env.api.server.deps.mongo.models;
    for (const n of [2, 3]) await chat(`/chat/${sessionId}/_chat?assistant_id=${a}`, long(n));
    let session: any;
    for (let i = 0; i < 100 && !session?.summary; i++) {
      await new Promise((r) => setTimeout(r, 50));
      session = await models.Session.findById(sessionId).lean();
    }
    expect(session.summary).toBe('A running summary.');
    // Follow-ups run beside the next turn, so how the turns are grouped into summary calls may vary;
    // turn 1 is folded by one of them.
    const summaryRequests = env.llm.requests.filter((r) => String(r.body.messages[0]?.content).startsWith('Update the running summary'));
    expect(summaryRequests.some((r) => String(r.body.messages[1].content).includes('turn 1:'))).toBe(true);

    await chat(`/chat/${sessionId}/_chat?assistant_id=${a}`, 'and now?');
    const prompt = lastPrompt();
    expect(prompt).toContain('Summary of the earlier conversation: A running summary.');
    expect(prompt).not.toContain('turn 1:'); // folded into the summary
    expect(prompt).toContain('turn 3:'); // recent turns stay verbatim
  });

  it('titles a session after its first reply, unless it was renamed', async () => {
    const { first } = await chat('/chat/_create', 'a question worth a title');
    let title = '';
    for (let i = 0; i < 100 && title !== 'A generated title'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      title = (await env.api.request('GET', `/chat/${first._id}`)).body._source.title;
    }
    expect(title).toBe('A generated title');

    const session = (await env.api.request('POST', '/chat/_new', {})).body._id;
    await env.api.request('PUT', `/chat/${session}`, { title: 'Mine' });
    await chat(`/chat/${session}/_chat`, 'hello');
    await new Promise((r) => setTimeout(r, 500));
    expect((await env.api.request('GET', `/chat/${session}`)).body._source.title).toBe('Mine');
  });
});

describe('AI overview', () => {
  it('_ask with search results: the query is saved, the payload reaches the model, the hits become sources', async () => {
    const payload = { query: 'what about quokkas?', result: { hits: { hits: [{ _id: 'q1', _source: { id: 'q1', title: 'Quokka habitat', url: 'https://example.test/q1' } }] } } };
    const { first, chunks } = await chat('/assistant/ai_overview/_ask', JSON.stringify(payload));
    expect(first.payload.message).toBe('what about quokkas?');
    expect(first._source.visible).toBe(false);
    expect(sourcesOf(chunks)!.docs).toEqual([{ id: 'q1', title: 'Quokka habitat', source: {}, icon: '', url: 'https://example.test/q1' }]);
    expect(lastPrompt()).toBe(JSON.stringify(payload)); // ai_overview's template is just {{.query}}
    const saved = await savedReply(first._id);
    expect(saved.details.find((d: any) => d.type === 'fetch_source').payload[0]).toMatchObject({ id: 'q1', title: 'Quokka habitat' });
  });
});
