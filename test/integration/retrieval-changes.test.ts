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
const ids = async (engine: RetrievalEngine, ds: string, query: string) =>
  (await engine.search({ datasourceIds: [ds], queries: [query], filters: [], size: 10 })).map((d) => d.title).sort();

it('takes a created, replaced and deleted document in without a rebuild; a datasource change or a lost log rebuilds', async () => {
  const ds = (await api.request('POST', '/datasource/', { name: 'notes' })).body._id as string;
  const doc = async (title: string, id?: string) => (await api.request('POST', `/datasource/${ds}/_doc${id ? `/${id}` : ''}`, { title, content: title })).body._id as string;
  const a = await doc('alpha apple');
  await doc('beta banana');
  const engine = engineOf();
  expect(await ids(engine, ds, 'apple')).toEqual(['alpha apple']);
  const built = engine.held(ds);

  const c = await doc('gamma cherry');
  expect(await ids(engine, ds, 'cherry')).toEqual(['gamma cherry']);
  await doc('alpha apricot', a); // replaced
  expect(await ids(engine, ds, 'apple')).toEqual([]);
  expect(await ids(engine, ds, 'apricot')).toEqual(['alpha apricot']);
  expect((await api.request('DELETE', `/document/${c}`)).status).toBe(200);
  expect(await ids(engine, ds, 'cherry')).toEqual([]);
  await api.request('PUT', `/document/${a}`, { title: 'alpha avocado', content: 'x', source: { id: ds }, disabled: true });
  expect(await ids(engine, ds, 'avocado')).toEqual([]); // disabled documents are never found
  expect(engine.held(ds)).toBe(built); // all of it taken in by the same index
  expect(built!.size).toBe(2);

  await api.request('PUT', `/datasource/${ds}`, { name: 'notes, renamed' });
  expect(await ids(engine, ds, 'banana')).toEqual(['beta banana']);
  const rebuilt = engine.held(ds);
  expect(rebuilt).not.toBe(built);

  // Redis lost the log (restarted empty): the index cannot know what it missed, so it rebuilds.
  const keys = docChangeKeys(api.server.deps.config.redis.prefix, ds);
  await api.server.deps.redis.del([keys.epoch, keys.seq, keys.log]);
  expect(await ids(engine, ds, 'banana')).toEqual(['beta banana']);
  expect(engine.held(ds)).not.toBe(rebuilt);
});

it('a new engine loads the snapshot a build wrote and catches up from its position', async () => {
  const ds = (await api.request('POST', '/datasource/', { name: 'snap' })).body._id as string;
  const titles = ['delta date', 'epsilon elderberry', 'zeta fig'];
  for (const title of titles) await api.request('POST', `/datasource/${ds}/_doc`, { title, content: title });
  const first = engineOf();
  expect(await ids(first, ds, 'date')).toEqual(['delta date']);
  const file = path.join(snapshotDir, `${encodeURIComponent(ds)}.ndjson`);
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  expect(fs.existsSync(file)).toBe(true);

  // Behind the log's back: a rebuild would no longer find "elderberry"; the snapshot still has it.
  await api.server.deps.mongo.models.Document.deleteOne({ title: 'epsilon elderberry' });
  // Through the API: the loaded index must take this change in from the log.
  await api.request('POST', `/datasource/${ds}/_doc`, { title: 'eta grape', content: 'eta grape' });

  const second = engineOf();
  expect(await ids(second, ds, 'elderberry')).toEqual(['epsilon elderberry']);
  expect(await ids(second, ds, 'grape')).toEqual(['eta grape']);
  expect(second.held(ds)!.size).toBe(4);
});
