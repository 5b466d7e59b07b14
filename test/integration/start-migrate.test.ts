// Data kept by an earlier version in the embedded SQLite store (<data dir>/ferretdb) is moved into the
// PostgreSQL store by the first `npm start` that finds it; the old files are kept, renamed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import { ferretArgs, tcpOpen } from '../../scripts/lib/stack';
import { newId } from '../../src/shared/ids';
import { expectNothingLeft, freshDataDir, killGroup, READY_TIMEOUT_MS, Run, startApp, StartPorts, stopApp, waitForBanner } from '../helpers/npm-start';

jest.setTimeout(READY_TIMEOUT_MS + 60_000);

const PORTS: StartPorts = { api: 19600, ws: 12960, temporal: 17960, ui: 18960, ferret: 27960, redis: 16960, postgres: 15960 };
const root = path.resolve(__dirname, '..', '..');

let dataDir: string;
let run: Run | undefined;
beforeAll(() => {
  dataDir = freshDataDir('coco-migrate-');
});
afterAll(async () => {
  killGroup(run);
  await run?.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Writes documents into a SQLite store the way an earlier version's FerretDB kept them. */
async function oldStore(docs: Record<string, Array<Record<string, unknown>>>): Promise<void> {
  const dir = path.join(dataDir, 'ferretdb');
  const ferret = spawn(path.join(root, '.tools', 'bin', 'ferretdb'), ferretArgs({ port: PORTS.ferret, dir }), { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !(await tcpOpen(PORTS.ferret)); i++) await new Promise((r) => setTimeout(r, 100));
    const client = await mongoose.mongo.MongoClient.connect(`mongodb://127.0.0.1:${PORTS.ferret}/coco`, { retryWrites: false });
    for (const [collection, list] of Object.entries(docs)) await client.db('coco').collection(collection).insertMany(list as never[]);
    await client.close();
  } finally {
    ferret.kill('SIGTERM');
    await new Promise((r) => ferret.once('exit', r));
  }
}

it('moves an earlier SQLite store into PostgreSQL on the first start, and keeps the old files', async () => {
  const assistantId = newId();
  const now = new Date();
  const sessions = Array.from({ length: 30 }, (_, i) => ({ _id: newId(), title: `old chat ${i}`, owner_id: 'admin', status: 'active', visible: true, created: now, updated: now }));
  await oldStore({
    assistants: [{ _id: assistantId, name: 'kept from before', type: 'simple', enabled: true, builtin: false, created: now, updated: now }],
    sessions,
    chat_messages: sessions.map((s) => ({ _id: newId(), type: 'user', session_id: s._id, owner_id: 'admin', message: `hello from ${s.title}`, created: now, updated: now })),
  });

  run = startApp(dataDir, PORTS);
  const banner = await waitForBanner(run);
  expect(run.output()).toMatch(/moved \d+ documents/);
  const token = banner.match(/Admin token\s+([0-9a-f]{64})/)![1]!;
  const get = (p: string) => fetch(`http://127.0.0.1:${PORTS.api}${p}`, { headers: { 'X-API-TOKEN': token } }).then((r) => r.json() as Promise<any>);
  expect((await get(`/assistant/${assistantId}`))._source.name).toBe('kept from before');
  const history = await get(`/chat/${sessions[7]!._id}/_history`);
  expect(history.hits.hits.map((h: any) => h._source.message)).toEqual(['hello from old chat 7']);
  expect(fs.existsSync(path.join(dataDir, 'ferretdb'))).toBe(false);
  expect(fs.readdirSync(dataDir).some((f) => f.startsWith('ferretdb-sqlite-moved-'))).toBe(true);

  await stopApp(run);
  expectNothingLeft(run, dataDir, PORTS);
});
