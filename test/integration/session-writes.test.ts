// Concurrent writes to one session on the real store. FerretDB 1.x applies `$set` by reading the document
// and writing it back whole, so two writes at once lose one: a user's rename landing while the generated
// title is written used to vanish (seen in chat-control.test.ts). Sessions write one at a time per session.
import { startTestApi, TestApi } from '../helpers/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi('session-writes');
}, 60_000);
afterAll(() => api.close());

it('keeps a rename, and a status and activity time, written at the same moment as other fields', async () => {
  const { sessions } = api.server.deps.domain;
  const user = { id: 'writer', roles: ['user'] } as never;
  const ids = await Promise.all(Array.from({ length: 30 }, () => sessions.create(user, 'first words', true).then((s) => s._id)));
  const at = new Date('2030-01-01T00:00:00Z');
  await Promise.all(
    ids.flatMap((id, i) => [
      sessions.setGeneratedTitle(id, 'A generated title'),
      sessions.update(id, { title: `renamed ${i}` }),
      sessions.setStatus(id, 'closed'),
      sessions.touchActivity(id, at),
      sessions.setSummary(id, 'a summary', at),
    ]),
  );
  const docs = (await api.server.deps.mongo.models.Session.find({ _id: { $in: ids } }).lean()) as any[];
  const byId = new Map(docs.map((d) => [d._id, d]));
  const lost = ids.flatMap((id, i) => {
    const d = byId.get(id);
    const wrong = [
      d.title !== `renamed ${i}` && `title ${d.title}`,
      d.manually_renamed_title !== true && 'rename flag',
      d.status !== 'closed' && `status ${d.status}`,
      d.last_activity?.getTime() !== at.getTime() && 'activity',
      d.summary !== 'a summary' && 'summary',
    ].filter(Boolean);
    return wrong.length ? [`${id}: ${wrong.join(', ')}`] : [];
  });
  expect(lost).toEqual([]);
}, 60_000);
