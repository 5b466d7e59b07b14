// A worker SIGKILLed while it reads an uploaded file: the parse step stops heartbeating, Temporal runs it
// again on another worker, and the file still ends `completed` with its text.
import type { ChildProcess } from 'node:child_process';
import { ChatEnv, startChatEnv } from '../helpers/chat-env';
import { seedUser, TestUser } from '../helpers/api';
import { makePdf } from '../helpers/fixture-files';
import { startWorkerProcess } from '../helpers/worker-process';

let env: ChatEnv;
let alice: TestUser;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  env = await startChatEnv('attach-crash', {}, { worker: false });
  alice = await seedUser(env.api, 'crash-alice');
}, 60_000);
afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await env.close();
});

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('finishes the parse on another worker after the first was killed mid-parse', async () => {
  // A PDF long enough that reading it takes seconds (its text is cut at the extraction's 1,000,000 characters).
  const pdf = await makePdf(Array.from({ length: 40_000 }, (_, i) => `Line ${i} of the long durable document about parsing.`));
  const first = await startWorkerProcess(env.env);
  workers.push(first);
  const form = new FormData();
  form.append('files', new Blob([pdf], { type: 'application/pdf' }), 'long.pdf');
  const res = await fetch(`${env.api.url}/attachment/_upload`, { method: 'POST', headers: alice.headers, body: form });
  expect(res.status).toBe(200);
  const [id] = ((await res.json()) as { attachments: string[] }).attachments;
  const { Attachment } = env.api.server.deps.mongo.models;
  const read = () => Attachment.findById(id).select({ initial_parsing: 1, parse_attempts: 1, text_chars: 1 }).lean() as Promise<any>;

  await until('the first worker started reading', read, (d) => d.initial_parsing === 'processing' && d.parse_attempts === 1, 30_000);
  await new Promise((r) => setTimeout(r, 300)); // inside the parse, not before it
  expect((await read()).initial_parsing).toBe('processing');
  first.kill('SIGKILL');
  const killedAt = Date.now();

  workers.push(await startWorkerProcess(env.env));
  const done = await until('the parse finished', read, (d) => d.initial_parsing !== 'processing', 90_000);
  expect(done).toMatchObject({ initial_parsing: 'completed', parse_attempts: 2, text_chars: 1_000_000 });
  const text = ((await Attachment.findById(id).select({ text: 1 }).lean()) as any).text as string;
  expect(text.startsWith('Line 0 of the long durable document about parsing.\nLine 1 of')).toBe(true);
  const status = await env.api.request('GET', `/attachment/${id}/status`, undefined, alice.headers);
  expect(status.body).toEqual({ initial_parsing: 'completed' });
  process.stdout.write(`[attachment-crash] parse completed ${Date.now() - killedAt} ms after the kill, on attempt 2\n`);
}, 150_000);
