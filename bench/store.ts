// `npx tsx bench/store.ts [--store sqlite]`: how the embedded store holds up as data grows. Measures, on
// an empty store and again with 10,000 sessions and 100,000 messages stored (one owner, the worst case
// for a session listing), the p50 of: a new chat (`_create`, first token), a send (`_chat`, first token),
// a session's history, the session listing and an assistant search; prints each pair and its difference
// (target: at most 20 ms more when loaded).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config';
import { LIST_PAGE } from '../src/domain/sessions/listing';
import { newId } from '../src/shared/ids';
import { stackOptionsFor } from '../scripts/lib/embedded';
import { scratchDataDir } from '../scripts/lib/postgres';
import { startStack, type Stack } from '../scripts/lib/stack';
import { type ChatEnv, postStream, readNdjson, startChatEnv } from '../test/helpers/chat-env';
import { tokensOf } from '../test/helpers/fake-llm';
import { percentile, table } from './stats';

const root = path.resolve(__dirname, '..');
const log = (line: string) => process.stdout.write(`[bench:store] ${line}\n`);
const store = process.argv.includes('--store') ? process.argv[process.argv.indexOf('--store') + 1]! : 'postgresql';
const SAMPLES = 30;
const SESSIONS = 10_000;
const MESSAGES_PER_SESSION = 10;

type Op = { name: string; run: () => Promise<number> };

async function firstToken(res: Promise<Response>): Promise<{ ms: number; lines: Array<{ _id?: string; chunk_type?: string; message_chunk?: string }> }> {
  const t0 = performance.now();
  let at = 0;
  const lines = await readNdjson(await res, (l) => {
    if (!at && l.chunk_type === 'response' && l.message_chunk) at = performance.now();
  });
  return { ms: at - t0, lines };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function ops(env: ChatEnv, session: () => string): Op[] {
  const get = (p: string) => env.api.request('GET', p);
  return [
    { name: 'new chat (_create), first token', run: async () => (await firstToken(postStream(env.api, '/chat/_create', { message: 'hi' }))).ms },
    { name: 'send (_chat), first token', run: async () => (await firstToken(postStream(env.api, `/chat/${session()}/_chat`, { message: 'again' }))).ms },
    { name: 'GET /chat/:id/_history', run: () => timed(() => get(`/chat/${session()}/_history`)) },
    { name: 'GET /chat/_history', run: () => timed(() => get('/chat/_history')) },
    { name: 'POST /assistant/_search', run: () => timed(() => env.api.request('POST', '/assistant/_search', {})) },
  ];
}

async function measure(list: Op[]): Promise<number[]> {
  const p50s: number[] = [];
  for (const op of list) {
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) samples.push(await op.run());
    p50s.push(percentile(samples, 50));
    log(`  ${op.name}: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms`);
  }
  return p50s;
}

/** One owner's sessions, each with its messages, written straight to the store. */
async function seed(env: ChatEnv): Promise<void> {
  const { models } = env.api.server.deps.mongo;
  const t0 = Date.now();
  const base = Date.now() - SESSIONS * 60_000;
  // Numbered into the owner's listing pages after the sessions the warm-up created, as the server numbers them.
  const counters = await models.SessionOwner.findOneAndUpdate({ _id: 'admin' }, { $inc: { numbered: SESSIONS, listed: SESSIONS } }, { upsert: true, returnDocument: 'after' }).lean() as { numbered: number };
  const firstNumber = counters.numbered - SESSIONS + 1;
  for (let b = 0; b < SESSIONS; b += 500) {
    const sessions = Array.from({ length: 500 }, (_, i) => ({
      _id: newId(),
      title: `chat ${b + i}`,
      owner_id: 'admin',
      status: 'active',
      visible: true,
      created: new Date(base + (b + i) * 60_000),
      list_key: `admin:${Math.floor((firstNumber + b + i - 1) / LIST_PAGE)}`,
    }));
    await models.Session.insertMany(sessions);
    const messages = sessions.flatMap((s) => Array.from({ length: MESSAGES_PER_SESSION }, (_, j) => ({ _id: newId(), type: j % 2 ? 'assistant' : 'user', session_id: s._id, owner_id: 'admin', message: `message ${j} of ${s.title}`, created: new Date(s.created.getTime() + j * 1000) })));
    await models.ChatMessage.insertMany(messages);
  }
  log(`stored ${SESSIONS} sessions and ${SESSIONS * MESSAGES_PER_SESSION} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function main() {
  const dataDir = scratchDataDir(path.join(root, '.data', `bench-store-${process.pid}`));
  const stackEnv = { COCO_DATA_DIR: dataDir, COCO_FERRETDB_PORT: '27717', COCO_TEMPORAL_PORT: '17733', COCO_REDIS_PORT: '16779', COCO_POSTGRES_PORT: '15790', COCO_STORE: store };
  const config = loadConfig({ ...process.env, ...stackEnv });
  let stack: Stack | undefined;
  let env: ChatEnv | undefined;
  try {
    stack = await startStack(stackOptionsFor(config, log, { persistent: false, ui: false }));
    Object.assign(process.env, stackEnv, { COCO_TEST_MONGODB_URI: config.mongo.uri, TEMPORAL_ADDRESS: config.temporal.address, REDIS_URL: config.redis.url, COCO_TEST_STACK: '1' });
    env = await startChatEnv('store');
    env.llm.fallback = () => ({ tokens: tokensOf('A short answer.') });
    const sessions: string[] = [];
    const session = () => sessions[Math.floor(Math.random() * sessions.length)]!;
    // Sessions the send and history samples use: real ones, with a few turns each.
    for (let i = 0; i < 10; i++) {
      const { lines } = await firstToken(postStream(env.api, '/chat/_create', { message: `warm ${i}` }));
      sessions.push(lines[0]!._id!);
      for (let j = 0; j < 4; j++) await firstToken(postStream(env.api, `/chat/${lines[0]!._id}/_chat`, { message: `turn ${j}` }));
    }
    log(`store: ${store}; empty:`);
    const empty = await measure(ops(env, session));
    await seed(env);
    await new Promise((r) => setTimeout(r, 3000)); // the wrapper's indexes of the grown tables are there already; let autovacuum settle
    log('loaded:');
    const loaded = await measure(ops(env, session));
    const rows = [['figure', 'empty store p50', `${SESSIONS} sessions, ${SESSIONS * MESSAGES_PER_SESSION} messages p50`, 'difference', 'target ≤ 20 ms']];
    ops(env, session).forEach((op, i) => {
      const d = loaded[i]! - empty[i]!;
      rows.push([op.name, `${empty[i]!.toFixed(1)} ms`, `${loaded[i]!.toFixed(1)} ms`, `${d >= 0 ? '+' : ''}${d.toFixed(1)} ms`, d <= 20 ? 'PASS' : 'MISS']);
    });
    process.stdout.write(`\n${table(rows)}\n\n`);
  } finally {
    await env?.close().catch(() => undefined);
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`[bench:store] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
