// The embedded FerretDB (tools/ferretdb): reads, updates and deletes by `_id` are index searches in
// SQLite, not table scans (FerretDB 1.24's own `_id` index is on an expression its queries do not use;
// the wrapper adds one they do). Checked on the query plan SQLite reports through `explain`.
import { MongoClient } from 'mongodb';
import { testMongoUri } from '../helpers/stack';

let client: MongoClient;
beforeAll(async () => {
  client = await MongoClient.connect(testMongoUri('ferretdb'));
});
afterAll(async () => {
  await client.db().dropDatabase().catch(() => undefined);
  await client.close();
});

const planOf = async (collection: string, filter: Record<string, unknown>) => {
  const res = await client.db().command({ explain: { find: collection, filter } });
  return JSON.stringify(res.queryPlanner ?? res);
};

// Only the embedded store: with MONGODB_URI the tests run against another MongoDB.
const embedded = process.env.MONGODB_URI === undefined;

(embedded ? it : it.skip)('finds a document by _id with an index search, also in a collection created after the start', async () => {
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
