// The embedded store (FerretDB on PostgreSQL) serves every query of a chat, its history and the session
// listing from an index, never by reading a whole table: PostgreSQL's own counters of sequential and index
// scans per table are read before and after, with enough rows that the planner would rather scan a table
// without an index it can use.
import { Client } from 'pg';
import { newId } from '../../src/shared/ids';
import { ChatEnv, endReason, postStream, readNdjson, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';

let env: ChatEnv;
let pg: Client;
beforeAll(async () => {
  env = await startChatEnv('indexes');
  pg = new Client({ connectionString: `postgres://postgres@127.0.0.1:${process.env.COCO_POSTGRES_PORT}/postgres` });
  await pg.connect();
}, 60_000);
afterAll(async () => {
  await pg?.end();
  await env?.close();
});

/** This suite's database is a PostgreSQL schema; each collection one of its tables. */
const schema = () => new URL(env.api.server.deps.config.mongo.uri).pathname.slice(1);

async function tablesOf(collections: string[]): Promise<Record<string, string>> {
  const { rows } = await pg.query(`SELECT _jsonb->>'_id' AS collection, _jsonb->>'table' AS "table" FROM "${schema()}"._ferretdb_database_metadata`);
  return Object.fromEntries(rows.filter((r) => collections.includes(r.collection)).map((r) => [r.collection, r.table]));
}

async function scans(tables: Record<string, string>): Promise<Record<string, { seq: number; idx: number }>> {
  const { rows } = await pg.query('SELECT relname, seq_scan, idx_scan FROM pg_stat_user_tables WHERE schemaname = $1', [schema()]);
  const byTable = new Map(rows.map((r) => [r.relname, { seq: Number(r.seq_scan), idx: Number(r.idx_scan ?? 0) }]));
  return Object.fromEntries(Object.entries(tables).map(([c, t]) => [c, byTable.get(t) ?? { seq: 0, idx: 0 }]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a chat, its history and the session listing use indexes only', async () => {
  const { models } = env.api.server.deps.mongo;
  // Other people's sessions and messages: tables large enough that scanning them is never the cheap plan.
  const owners = Array.from({ length: 20 }, (_, i) => `user${i}`);
  const sessions = Array.from({ length: 400 }, (_, i) => ({ _id: newId(), title: `s${i}`, owner_id: owners[i % 20], status: 'active', visible: true }));
  await models.Session.insertMany(sessions);
  const messages = sessions.flatMap((s) => Array.from({ length: 8 }, (_, j) => ({ _id: newId(), type: j % 2 ? 'assistant' : 'user', session_id: s._id, owner_id: s.owner_id, message: `m${j}` })));
  for (let i = 0; i < messages.length; i += 800) await models.ChatMessage.insertMany(messages.slice(i, i + 800));
  await models.ApiToken.insertMany(Array.from({ length: 400 }, (_, i) => ({ name: `t${i}`, hash: newId() + newId(), user_id: owners[i % 20], roles: [] })));
  await env.api.request('GET', '/chat/_history'); // the token's lookup, and the collections, exist
  const tables = await tablesOf(['sessions', 'chat_messages', 'api_tokens']);
  expect(Object.keys(tables).sort()).toEqual(['api_tokens', 'chat_messages', 'sessions']);
  await sleep(2500); // the wrapper adds the lookup indexes of new collections within 2 s
  for (const t of Object.values(tables)) await pg.query(`ANALYZE "${schema()}"."${t}"`);
  // PostgreSQL publishes a busy backend's counters at most once a second, an idle one's within 10 s.
  const settled = () => sleep(11_000);
  await settled();
  const before = await scans(tables);

  env.llm.queue.push({ tokens: tokensOf('First answer.') }, { tokens: tokensOf('Second answer.') });
  const first = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'hello there' }));
  const sessionId = first[0]._id as string;
  expect(endReason(first.slice(1))).toBe('completed');
  expect(endReason(await readNdjson(await postStream(env.api, `/chat/${sessionId}/_chat`, { message: 'and again' })))).toBe('completed');
  for (let i = 0; i < 50 && !(await env.api.request('GET', `/chat/${sessionId}`)).body._source.title_generated; i++) await sleep(100);
  expect((await env.api.request('GET', `/chat/${sessionId}/_history`)).body.hits.hits).toHaveLength(4);
  expect((await env.api.request('GET', '/chat/_history')).body.hits.hits.map((h: any) => h._id)).toContain(sessionId);
  expect((await env.api.request('POST', `/chat/${sessionId}/_cancel`)).status).toBe(200);
  await settled();

  const after = await scans(tables);
  const seqScans = Object.fromEntries(Object.keys(tables).map((c) => [c, after[c]!.seq - before[c]!.seq]));
  expect(seqScans).toEqual({ sessions: 0, chat_messages: 0, api_tokens: 0 });
  for (const c of ['sessions', 'chat_messages']) expect(after[c]!.idx).toBeGreaterThan(before[c]!.idx);
}, 90_000);
