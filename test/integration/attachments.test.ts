// Attachments against the real stack (FerretDB with GridFS, Temporal parse workflows on a real worker,
// Redis, the test model): upload → status → a reply whose prompt holds the extracted text (PDF and DOCX
// made here), the assistant's upload settings refused with clear 400s, the request limit (413, nothing
// kept), another user's files as missing, session context files, and a turn that waits for a file's text
// (attachment_waiting chunks) or gives up (reply_end timeout / attachment_processing).
import { ChatEnv, postStream, readNdjson, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';
import { seedUser, TestUser } from '../helpers/api';
import { makeDocx, makePdf } from '../helpers/fixture-files';

const WAIT_MS = 4000;
let env: ChatEnv;
let alice: TestUser;
let bob: TestUser;
let assistantId: string;

beforeAll(async () => {
  env = await startChatEnv('attach', { COCO_ATTACHMENT_WAIT_MS: String(WAIT_MS), COCO_UPLOAD_LIMIT_BYTES: String(2 * 1024 * 1024) });
  alice = await seedUser(env.api, 'attach-alice');
  bob = await seedUser(env.api, 'attach-bob');
  assistantId = (await env.api.request('POST', '/assistant/default/_clone')).body._id as string;
  await setUpload({ enabled: true, allowed_file_extensions: ['pdf', 'docx', 'txt', 'md', 'html', 'bin'], max_file_size_in_bytes: 1024 * 1024, max_file_count: 3 });
}, 60_000);
afterAll(() => env.close());

async function setUpload(upload: Record<string, unknown>, id = assistantId) {
  const current = (await env.api.request('GET', `/assistant/${id}`)).body._source;
  const { id: _id, created: _c, updated: _u, builtin: _b, ...fields } = current;
  const res = await env.api.request('PUT', `/assistant/${id}`, { ...fields, upload });
  expect(res.status).toBe(200);
}

type Part = { name: string; type?: string; bytes: Buffer | string };

async function upload(user: TestUser, parts: Part[], field = 'files') {
  const form = new FormData();
  for (const p of parts) form.append(field, new Blob([p.bytes], { type: p.type ?? 'application/octet-stream' }), p.name);
  const res = await fetch(`${env.api.url}/attachment/_upload`, { method: 'POST', headers: user.headers, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

async function settled(user: TestUser, ids: string[], timeoutMs = 30_000): Promise<Record<string, { initial_parsing: string }>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await env.api.request('POST', '/attachment/_status', { attachments: ids }, user.headers);
    expect(res.status).toBe(200);
    const states = res.body as Record<string, { initial_parsing: string }>;
    if (ids.every((id) => ['completed', 'failed'].includes(states[id]?.initial_parsing ?? ''))) return states;
    if (Date.now() > until) throw new Error(`not parsed in time: ${JSON.stringify(states)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function newSession(user: TestUser): Promise<string> {
  const res = await env.api.request('POST', `/chat/_create?assistant_id=${assistantId}`, {}, user.headers);
  expect(res.status).toBe(200);
  return res.body._id as string;
}

async function chat(user: TestUser, sessionId: string, body: Record<string, unknown>) {
  const res = await postStream(env.api, `/chat/${sessionId}/_chat?assistant_id=${assistantId}`, body, user.headers);
  if (res.status !== 200) return { status: res.status, body: (await res.json()) as any, chunks: [] as any[] };
  return { status: 200, body: null, chunks: (await readNdjson(res)).filter((l) => l.chunk_type) };
}

const lastPrompt = () => {
  const r = env.pipelineRequests().at(-1)!;
  return (r.body.messages as Array<{ content: string }>).map((m) => m.content).join('\n');
};

describe('upload, read back, status, search', () => {
  it('stores files in GridFS, serves them with Coco headers, parses them and finds them by name', async () => {
    const pdf = await makePdf(['Quarterly report', 'The zebra budget grew by 12 percent.']);
    const docx = await makeDocx(['Meeting notes', 'The walrus project ships in March.']);
    const up = await upload(alice, [
      { name: 'report.pdf', type: 'application/pdf', bytes: pdf },
      { name: 'notes.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', bytes: docx },
      { name: 'blob.bin', bytes: Buffer.from([0, 1, 2, 3, 255, 254, 0, 0]) },
    ]);
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ acknowledged: true, attachments: [expect.any(String), expect.any(String), expect.any(String)] });
    const [pdfId, docxId, binId] = up.body.attachments as string[];

    const states = await settled(alice, [pdfId!, docxId!, binId!]);
    expect(states).toEqual({ [pdfId!]: { initial_parsing: 'completed' }, [docxId!]: { initial_parsing: 'completed' }, [binId!]: { initial_parsing: 'completed' } });
    expect((await env.api.request('GET', `/attachment/${pdfId}/status`, undefined, alice.headers)).body).toEqual({ initial_parsing: 'completed' });
    const stored = await env.api.server.deps.mongo.models.Attachment.findById(pdfId).lean() as any;
    expect(stored.text).toContain('zebra budget grew');
    expect((await env.api.server.deps.mongo.models.Attachment.findById(docxId).lean() as any).text).toContain('walrus project ships');
    expect((await env.api.server.deps.mongo.models.Attachment.findById(binId).lean() as any).readable).toBe(false);

    const got = await fetch(`${env.api.url}/attachment/${pdfId}`, { headers: alice.headers });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    expect(got.headers.get('content-disposition')).toBe('attachment; filename="report.pdf"');
    expect(Buffer.from(await got.arrayBuffer()).equals(pdf)).toBe(true);

    const head = await fetch(`${env.api.url}/attachment/${docxId}`, { method: 'HEAD', headers: alice.headers });
    expect(head.status).toBe(200);
    expect(head.headers.get('filename')).toBe('notes.docx');
    expect(Number(head.headers.get('content-length'))).toBe(docx.length);
    expect(Math.abs(Number(head.headers.get('created')) - Date.now() / 1000)).toBeLessThan(120);

    const found = await env.api.request('GET', '/attachment/_search?query=report', undefined, alice.headers);
    expect(found.status).toBe(200);
    expect(found.body.hits.hits.map((h: any) => h._id)).toEqual([pdfId]);
    expect(found.body.hits.hits[0]._source).toMatchObject({ id: pdfId, name: 'report.pdf', icon: 'pdf', url: `/attachment/${pdfId}`, size: pdf.length, initial_parsing: 'completed' });
    expect(found.body.hits.hits[0]._source).not.toHaveProperty('text');
    expect(found.body.hits.hits[0]._source).not.toHaveProperty('owner_id');
    const byIds = await env.api.request('POST', '/attachment/_search', { attachments: [docxId, binId] }, alice.headers);
    expect(byIds.body.hits.hits.map((h: any) => h._id).sort()).toEqual([docxId, binId].sort());
    // The extracted text is not searchable (only what the user sees: name and description).
    expect((await env.api.request('GET', '/attachment/_search?query=text:zebra', undefined, alice.headers)).status).toBe(400);

    expect((await env.api.request('DELETE', `/attachment/${binId}`, undefined, alice.headers)).body).toEqual({ _id: binId, result: 'deleted' });
    expect((await env.api.request('GET', `/attachment/${binId}`, undefined, alice.headers)).status).toBe(404);
    const files = env.api.server.deps.mongo.connection.db!.collection('attachment_files.files');
    expect(await files.countDocuments({ _id: binId as never })).toBe(0);
    expect(await env.api.server.deps.mongo.connection.db!.collection('attachment_files.chunks').countDocuments({ files_id: binId as never })).toBe(0);
  });

  it('refuses requests without files, other fields, and bodies past the limit (nothing kept)', async () => {
    const noFiles = await fetch(`${env.api.url}/attachment/_upload`, { method: 'POST', headers: { ...alice.headers, 'Content-Type': 'application/json' }, body: '{}' });
    expect(noFiles.status).toBe(400);
    expect(((await noFiles.json()) as any).error.reason).toMatch(/^No files uploaded/);
    const emptyForm = new FormData();
    emptyForm.append('note', 'hello');
    const formNoFiles = await fetch(`${env.api.url}/attachment/_upload`, { method: 'POST', headers: alice.headers, body: emptyForm });
    expect(formNoFiles.status).toBe(400);
    expect((await upload(alice, [{ name: 'a.txt', bytes: 'x' }], 'file')).body.error.reason).toMatch(/unexpected file field "file"/);

    const before = await env.api.server.deps.mongo.models.Attachment.countDocuments();
    const big = await upload(alice, [
      { name: 'first.txt', bytes: 'small first file' },
      { name: 'huge.txt', bytes: Buffer.alloc(3 * 1024 * 1024, 'a') },
    ]);
    expect(big.status).toBe(413);
    expect(big.body.error.reason).toMatch(/larger than the limit of 2097152 bytes/);
    expect(await env.api.server.deps.mongo.models.Attachment.countDocuments()).toBe(before);
    expect(await env.api.server.deps.mongo.connection.db!.collection('attachment_files.files').countDocuments({ filename: { $in: ['first.txt', 'huge.txt'] } })).toBe(0);
  });
});

describe('attachments in turns', () => {
  it("puts the files' extracted text into the prompt under Attachments:", async () => {
    const pdf = await makePdf(['Expense policy', 'Taxis are refunded up to 40 euros.']);
    const docx = await makeDocx(['Travel guide', 'Trains are booked in second class.']);
    const up = await upload(alice, [
      { name: 'policy.pdf', type: 'application/pdf', bytes: pdf },
      { name: 'guide.docx', bytes: docx },
    ]);
    const ids = up.body.attachments as string[];
    await settled(alice, ids);
    const sessionId = await newSession(alice);
    env.llm.queue.push({ tokens: tokensOf('Up to 40 euros, and trains in second class.') });
    const { status, chunks } = await chat(alice, sessionId, { message: 'What do my files say about travel?', attachments: ids });
    expect(status).toBe(200);
    expect(JSON.parse(chunks.find((c) => c.chunk_type === 'reply_end').message_chunk)).toEqual({ reason: 'completed' });
    const prompt = lastPrompt();
    expect(prompt).toMatch(/Attachments:\nFile: policy\.pdf\n[\s\S]*Taxis are refunded up to 40 euros\.[\s\S]*File: guide\.docx\n[\s\S]*Trains are booked in second class\./);
    const history = (await env.api.request('GET', `/chat/${sessionId}/_history`, undefined, alice.headers)).body.hits.hits.map((h: any) => h._source);
    expect(history.find((m: any) => m.type === 'user').attachments).toEqual(ids);
  });

  it("uses the session context's files on every turn", async () => {
    const up = await upload(alice, [{ name: 'context.md', type: 'text/markdown', bytes: '# Glossary\n\nA *quokka* is a small marsupial.' }]);
    await settled(alice, up.body.attachments);
    const sessionId = await newSession(alice);
    expect((await env.api.request('PUT', `/chat/${sessionId}`, { context: { attachments: up.body.attachments } }, alice.headers)).status).toBe(200);
    env.llm.queue.push({ tokens: tokensOf('A small marsupial.') });
    expect((await chat(alice, sessionId, { message: 'What is a quokka?' })).status).toBe(200);
    expect(lastPrompt()).toContain('File: context.md\n# Glossary\n\nA *quokka* is a small marsupial.');
  });

  it("enforces the assistant's upload settings with clear 400s, before anything is stored", async () => {
    const txt = (await upload(alice, [{ name: 'a.txt', bytes: 'alpha' }, { name: 'b.txt', bytes: 'beta' }, { name: 'c.txt', bytes: 'gamma' }, { name: 'd.txt', bytes: 'delta' }])).body.attachments as string[];
    const exe = (await upload(alice, [{ name: 'tool.exe', bytes: 'MZ' }])).body.attachments as string[];
    const large = (await upload(alice, [{ name: 'large.txt', bytes: Buffer.alloc(1024 * 1024 + 1, 'b') }])).body.attachments as string[];
    const sessionId = await newSession(alice);
    const messagesBefore = (await env.api.request('GET', `/chat/${sessionId}/_history`, undefined, alice.headers)).body.hits.total.value;

    const tooMany = await chat(alice, sessionId, { message: 'four files', attachments: txt });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.reason).toBe(`attachments: at most 3 files per message for assistant [${assistantId}], got 4`);
    const wrongType = await chat(alice, sessionId, { message: 'an exe', attachments: exe });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.reason).toMatch(/files of type \.exe are not accepted .*allowed: pdf, docx, txt, md, html, bin/);
    const tooLarge = await chat(alice, sessionId, { message: 'large', attachments: large });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body.error.reason).toMatch(/1048577 bytes is more than the 1048576 bytes/);
    const unknown = await chat(alice, sessionId, { message: 'missing', attachments: ['nosuchattachment0000'] });
    expect([unknown.status, unknown.body]).toEqual([404, { _id: 'nosuchattachment0000', result: 'not_found' }]);

    await setUpload({ enabled: false });
    const disabled = await chat(alice, sessionId, { message: 'one file', attachments: txt.slice(0, 1) });
    expect(disabled.status).toBe(400);
    expect(disabled.body.error.reason).toBe(`assistant [${assistantId}] does not accept attachments (its upload setting is not enabled)`);
    await setUpload({ enabled: true, allowed_file_extensions: ['pdf', 'docx', 'txt', 'md', 'html', 'bin'], max_file_size_in_bytes: 1024 * 1024, max_file_count: 3 });
    expect((await env.api.request('GET', `/chat/${sessionId}/_history`, undefined, alice.headers)).body.hits.total.value).toBe(messagesBefore);
  });

  it("treats another user's files as missing everywhere", async () => {
    const mine = (await upload(alice, [{ name: 'secret.txt', bytes: 'alice only' }])).body.attachments as string[];
    const id = mine[0]!;
    await settled(alice, mine);
    for (const path of [`/attachment/${id}`, `/attachment/${id}/status`]) {
      const res = await env.api.request('GET', path, undefined, bob.headers);
      expect([path, res.status, res.body]).toEqual([path, 404, { _id: id, found: false }]);
    }
    const deleted = await env.api.request('DELETE', `/attachment/${id}`, undefined, bob.headers);
    expect([deleted.status, deleted.body]).toEqual([404, { _id: id, result: 'not_found' }]);
    expect((await fetch(`${env.api.url}/attachment/${id}`, { method: 'HEAD', headers: bob.headers })).status).toBe(404);
    expect((await env.api.request('POST', '/attachment/_status', { attachments: [id] }, bob.headers)).body).toEqual({});
    expect((await env.api.request('POST', '/attachment/_search', { attachments: [id] }, bob.headers)).body.hits.total.value).toBe(0);
    const bobSession = await newSession(bob);
    const sent = await chat(bob, bobSession, { message: 'read it', attachments: [id] });
    expect([sent.status, sent.body]).toEqual([404, { _id: id, result: 'not_found' }]);
    const put = await env.api.request('PUT', `/chat/${bobSession}`, { context: { attachments: [id] } }, bob.headers);
    expect([put.status, put.body]).toEqual([404, { _id: id, result: 'not_found' }]);
    // Still there for its owner.
    expect((await env.api.request('GET', `/attachment/${id}/status`, undefined, alice.headers)).body).toEqual({ initial_parsing: 'completed' });
  });

  it('waits for a file still being read, sending attachment_waiting chunks, then answers with its text', async () => {
    const ids = (await upload(alice, [{ name: 'late.txt', bytes: 'placeholder' }])).body.attachments as string[];
    await settled(alice, ids);
    const { Attachment } = env.api.server.deps.mongo.models;
    // As if its parse were still running: the turn must wait for it.
    await Attachment.updateOne({ _id: ids[0] }, { $set: { initial_parsing: 'processing', text: '' } });
    const sessionId = await newSession(alice);
    env.llm.queue.push({ tokens: tokensOf('The pelican arrives at noon.') });
    const finishing = new Promise<void>((resolve) => setTimeout(() => {
      void Attachment.updateOne({ _id: ids[0] }, { $set: { initial_parsing: 'completed', readable: true, text: 'The pelican arrives at noon.' } }).then(() => resolve());
    }, 2500));
    const { status, chunks } = await chat(alice, sessionId, { message: 'When does the pelican arrive?', attachments: ids });
    await finishing;
    expect(status).toBe(200);
    const waiting = chunks.filter((c) => c.chunk_type === 'attachment_waiting');
    expect(waiting.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(waiting[0].message_chunk)).toEqual({ waiting: [{ id: ids[0], name: 'late.txt', initial_parsing: 'processing' }] });
    expect(JSON.parse(chunks.at(-1).message_chunk)).toEqual({ reason: 'completed' });
    expect(lastPrompt()).toContain('File: late.txt\nThe pelican arrives at noon.');
  });

  it('ends the reply as a timeout (attachment_processing) when the text does not come within the bound', async () => {
    const ids = (await upload(alice, [{ name: 'stuck.txt', bytes: 'never read' }])).body.attachments as string[];
    await settled(alice, ids);
    await env.api.server.deps.mongo.models.Attachment.updateOne({ _id: ids[0] }, { $set: { initial_parsing: 'pending' } });
    const sessionId = await newSession(alice);
    const asked = env.pipelineRequests().length;
    const started = Date.now();
    const { status, chunks } = await chat(alice, sessionId, { message: 'Read the stuck file', attachments: ids });
    expect(status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 500);
    expect(chunks.filter((c) => c.chunk_type === 'attachment_waiting').length).toBeGreaterThanOrEqual(1);
    const end = JSON.parse(chunks.at(-1).message_chunk);
    expect(end).toEqual({ reason: 'timeout', type: 'attachment_processing', error: 'the attachments could not be read in time: stuck.txt' });
    expect(env.pipelineRequests().length).toBe(asked); // the model was never asked
  });
});
