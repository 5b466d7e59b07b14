// The FerretDB wrapper (tools/ferretdb) on SQLite, the store of earlier versions (COCO_STORE=sqlite, and
// what npm start moves data from): reads, updates and deletes by `_id` are index searches, not table
// scans (FerretDB 1.24's own `_id` index is on an expression its queries do not use; the wrapper adds one
// they do). Checked on the query plan SQLite reports through `explain`. (On PostgreSQL, the default
// store, test/integration/store-indexes.test.ts checks the indexes the wrapper adds there.)
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { ferretArgs, tcpOpen } from '../../scripts/lib/stack';

const PORT = 27470;
let dir: string;
let ferret: ChildProcess;
let client: MongoClient;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-sqlite-'));
  ferret = spawn(path.resolve(__dirname, '..', '..', '.tools', 'bin', 'ferretdb'), ferretArgs({ port: PORT, dir }), { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await tcpOpen(PORT)); i++) await new Promise((r) => setTimeout(r, 100));
  client = await MongoClient.connect(`mongodb://127.0.0.1:${PORT}/lookups`);
});
afterAll(async () => {
  await client?.close();
  ferret?.kill('SIGTERM');
  await new Promise((r) => ferret?.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
});

const planOf = async (collection: string, filter: Record<string, unknown>) => {
  const res = await client.db().command({ explain: { find: collection, filter } });
  return JSON.stringify(res.queryPlanner ?? res);
};

it('finds a document by _id with an index search, also in a collection created after the start', async () => {
  const name = `lookups_${Date.now()}`;
  await client.db().collection(name).insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `doc${i}` as unknown as never, n: i })));
  // The wrapper indexes new collections within a couple of seconds. (SQLite reloads a connection's view of
  // the schema when it next reads data, not for a bare EXPLAIN: hence the read before each plan.)
  let plan = '';
  for (let i = 0; i < 40 && !/USING INDEX \S+_coco_id_lookup/.test(plan); i++) {
    await new Promise((r) => setTimeout(r, 250));
    await client.db().collection(name).findOne({ _id: 'doc1' as unknown as never });
    plan = await planOf(name, { _id: 'doc7' });
  }
  expect(plan).toMatch(/SEARCH \S+ USING INDEX \S+_coco_id_lookup/);
  expect(await client.db().collection(name).findOne({ _id: 'doc7' as unknown as never })).toMatchObject({ n: 7 });
});
