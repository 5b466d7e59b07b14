// The retrieval index follows document changes without rebuilding (the same index object takes the change
// in), rebuilds only when its datasource changes or Redis lost the log, and a new worker's engine loads
// the snapshot a build wrote instead of reading the corpus (shown by documents removed behind the log's
// back: the loaded index still has them, a rebuild would not).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DocChanges, docChangeKeys } from '../../src/infra/doc-changes';
import { RetrievalEngine } from '../../src/retrieval/engine';
import { startTestApi, TestApi } from '../helpers/api';

let api: TestApi;
let snapshotDir: string;
beforeAll(async () => {
  api = await startTestApi('retrieval-changes');
  snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-snapshots-'));
}, 60_000);
afterAll(async () => {
  await api.close();
  fs.rmSync(snapshotDir, { recursive: true, force: true });
});

const engineOf = () => {
  const { domain, redis, config } = api.server.deps;
  return new RetrievalEngine(domain.documents, new DocChanges(redis, config.redis.prefix), { maxDocs: 10_000, snapshotDir });
};
const titlesFound = async (engine: RetrievalEngine, ds: string, query: string) =>
  (await engine.search({ datasourceIds: [ds], queries: [query], filters: [], size: 10 })).map((d) => d.title).sort();

it('takes a created, replaced and deleted document in without a rebuild; a datasource change or a lost log rebuilds', async () => {
  const ds = (await api.request('POST', '/datasource/', { name: 'notes' })).body._id as string;
  const doc = async (title: string, id?: string) => (await api.request('POST', `/datasource/${ds}/_doc${id ? `/${id}` : ''}`, { title, content: title })).body._id as string;
  const a = await doc('alpha apple');
  await doc('beta banana');
  const engine = engineOf();
  expect(await titlesFound(engine, ds, 'apple')).toEqual(['alpha apple']);
  const built = engine.held(ds);

  const c = await doc('gamma cherry');
  expect(await titlesFound(engine, ds, 'cherry')).toEqual(['gamma cherry']);
  await doc('alpha apricot', a); // replaced
  expect(await titlesFound(engine, ds, 'apple')).toEqual([]);
  expect(await titlesFound(engine, ds, 'apricot')).toEqual(['alpha apricot']);
  expect((await api.request('DELETE', `/document/${c}`)).status).toBe(200);
  expect(await titlesFound(engine, ds, 'cherry')).toEqual([]);
  await api.request('PUT', `/document/${a}`, { title: 'alpha avocado', content: 'x', source: { id: ds }, disabled: true });
  expect(await titlesFound(engine, ds, 'avocado')).toEqual([]); // disabled documents are never found
  expect(engine.held(ds)).toBe(built); // all of it taken in by the same index
  expect(built!.size).toBe(2);

  await api.request('PUT', `/datasource/${ds}`, { name: 'notes, renamed' });
  expect(await titlesFound(engine, ds, 'banana')).toEqual(['beta banana']);
  const rebuilt = engine.held(ds);
  expect(rebuilt).not.toBe(built);

  // Redis lost the log (restarted empty): the index cannot know what it missed, so it rebuilds.
  const keys = docChangeKeys(api.server.deps.config.redis.prefix, ds);
  await api.server.deps.redis.del([keys.epoch, keys.seq, keys.log]);
  expect(await titlesFound(engine, ds, 'banana')).toEqual(['beta banana']);
  expect(engine.held(ds)).not.toBe(rebuilt);
});

it('a new engine loads the snapshot a build wrote and catches up from its position', async () => {
  const ds = (await api.request('POST', '/datasource/', { name: 'snap' })).body._id as string;
  const titles = ['delta date', 'epsilon elderberry', 'zeta fig'];
  for (const title of titles) await api.request('POST', `/datasource/${ds}/_doc`, { title, content: title });
  const first = engineOf();
  expect(await titlesFound(first, ds, 'date')).toEqual(['delta date']);
  const file = path.join(snapshotDir, `${encodeURIComponent(ds)}.ndjson`);
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  expect(fs.existsSync(file)).toBe(true);

  // Behind the log's back: a rebuild would no longer find "elderberry"; the snapshot still has it.
  await api.server.deps.mongo.models.Document.deleteOne({ title: 'epsilon elderberry' });
  // Through the API: the loaded index must take this change in from the log.
  await api.request('POST', `/datasource/${ds}/_doc`, { title: 'eta grape', content: 'eta grape' });

  const second = engineOf();
  expect(await titlesFound(second, ds, 'elderberry')).toEqual(['epsilon elderberry']);
  expect(await titlesFound(second, ds, 'grape')).toEqual(['eta grape']);
  expect(second.held(ds)!.size).toBe(4);
});

it('a log trimmed past the index position makes the index rebuild, and the rebuilt one has every change', async () => {
  const ds = (await api.request('POST', '/datasource/', { name: 'trimmed' })).body._id as string;
  const ids: string[] = [];
  for (const t of ['iota kiwi', 'kappa lemon']) ids.push((await api.request('POST', `/datasource/${ds}/_doc`, { title: t, content: t })).body._id as string);
  const engine = engineOf();
  expect(await titlesFound(engine, ds, 'kiwi')).toEqual(['iota kiwi']);
  const built = engine.held(ds);

  // Changes written through a log that keeps only 3 entries: the first two are trimmed before the index reads them.
  const { redis, config, mongo } = api.server.deps;
  const small = new DocChanges(redis, config.redis.prefix, 3);
  await mongo.models.Document.updateOne({ _id: ids[0] }, { $set: { title: 'iota mango' } });
  await small.record(ds, [ids[0]!]);
  for (const other of ['x1', 'x2', 'x3', 'x4']) await small.record(ds, [other]);
  const state = await small.state(ds);
  expect(state.seq - state.floor).toBe(3);
  expect(await small.changedBetween(ds, state.floor, state.seq)).toEqual(['x2', 'x3', 'x4']);

  expect(await titlesFound(engine, ds, 'mango')).toEqual(['iota mango']);
  expect(engine.held(ds)).not.toBe(built);
});
