// The session listing reads only the pages it shows (sessions are numbered per owner as they are created):
// newest first across pages, a total that needs no count, hidden sessions left out until opened, deleted
// ones gone; sessions stored before numbering existed are numbered once at start, in creation order.
import { bootstrap } from '../../src/domain/bootstrap';
import { LIST_PAGE } from '../../src/domain/sessions/listing';
import { createLogger } from '../../src/infra/logger';
import { newId } from '../../src/shared/ids';
import { seedUser, startTestApi, TestApi } from '../helpers/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi('listing');
}, 60_000);
afterAll(() => api.close());

const titles = (res: { body: any }) => res.body.hits.hits.map((h: any) => h._source.title as string);

it('lists newest first across pages, with the total, without hidden or deleted sessions', async () => {
  const { headers } = await seedUser(api, 'carol');
  const as = (method: string, path: string, body?: unknown) => api.request(method, path, body, headers);
  const count = LIST_PAGE * 2 + 10;
  const carol = { id: 'carol', username: 'carol', roles: [] };
  // One through the API; the rest as the API creates them, without its duplicate-send throttle in the way.
  const ids = [(await as('POST', '/chat/_new', { message: '' })).body._id as string];
  await as('PUT', `/chat/${ids[0]}`, { title: 'chat 0' });
  for (let i = 1; i < count; i++) ids.push((await api.server.deps.domain.sessions.create(carol, `chat ${i}`, true))._id);

  const first = await as('GET', '/chat/_history?from=0&size=20');
  expect(first.body.hits.total.value).toBe(count);
  expect(titles(first)).toEqual(Array.from({ length: 20 }, (_, i) => `chat ${count - 1 - i}`));
  // A page that spans two of the store's pages, and the last, short one.
  expect(titles(await as('GET', '/chat/_history?from=45&size=10'))).toEqual(Array.from({ length: 10 }, (_, i) => `chat ${count - 46 - i}`));
  expect(titles(await as('GET', `/chat/_history?from=${count - 5}&size=20`))).toEqual(['chat 4', 'chat 3', 'chat 2', 'chat 1', 'chat 0']);

  await as('DELETE', `/chat/${ids[count - 1]}`);
  const afterDelete = await as('GET', '/chat/_history?size=3');
  expect(afterDelete.body.hits.total.value).toBe(count - 1);
  expect(titles(afterDelete)).toEqual([`chat ${count - 2}`, `chat ${count - 3}`, `chat ${count - 4}`]);

  // A session an AI overview (`_ask`) creates is hidden until it is opened.
  const hidden = await api.server.deps.domain.sessions.create(carol, 'overview', false);
  expect(titles(await as('GET', '/chat/_history?size=200'))).toHaveLength(count - 1);
  await as('POST', `/chat/${hidden._id}/_open`);
  const opened = await as('GET', '/chat/_history?size=1');
  expect(opened.body.hits.total.value).toBe(count);
  expect(opened.body.hits.hits[0]._id).toBe(hidden._id);
});

it('numbers the sessions stored before sessions were numbered, once, in the order they were created', async () => {
  const { models } = api.server.deps.mongo;
  await models.SessionOwner.deleteOne({ _id: ':all-numbered' });
  const base = Date.now() - 3_600_000;
  const older = Array.from({ length: 70 }, (_, i) => ({ _id: newId(), title: `old ${i}`, owner_id: 'dave', status: 'active', visible: i !== 3, created: new Date(base + i * 1000) }));
  // Written as an earlier version did: no page key.
  await models.Session.collection.insertMany(older as never[]);
  await bootstrap(models, api.server.deps.config, createLogger('silent', 'test'));
  const res = await api.request('GET', '/chat/_history?size=100', undefined, (await seedUser(api, 'dave')).headers);
  expect(res.body.hits.total.value).toBe(69);
  expect(titles(res)).toEqual(older.filter((s) => s.visible).map((s) => s.title).reverse());
  // A second start finds nothing to number.
  const stored = await models.Session.find({ owner_id: 'dave' }).select({ list_key: 1 }).lean();
  await bootstrap(models, api.server.deps.config, createLogger('silent', 'test'));
  expect(await models.Session.find({ owner_id: 'dave' }).select({ list_key: 1 }).lean()).toEqual(stored);
});

it('counts every one of many sessions one owner creates at once (the store alone loses concurrent $inc)', async () => {
  const dave = { id: `dave-${newId()}`, username: 'dave', roles: [] };
  const n = 30;
  await Promise.all(Array.from({ length: n }, (_, i) => api.server.deps.domain.sessions.create(dave, `at once ${i}`, true)));
  const { docs, total } = await api.server.deps.domain.sessions.listing.recent(dave.id, 0, 100);
  expect(total).toBe(n);
  expect(docs).toHaveLength(n);
  expect(new Set(docs.map((d) => d.title)).size).toBe(n);
});
