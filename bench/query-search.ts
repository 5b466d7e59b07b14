// `npm run bench -- query-search`: unified search, GET /query/_search (the API asks a worker over Redis,
// the worker answers from its BM25 index), p50/p99 over HTTP at 10k documents (BENCH_QUERY_SIZES, e.g.
// "10000,100000"), beside, in the same run on the same collection, a MongoDB $regex scan of the same
// query (find of the first 10 and the count, as the store's search endpoints run it; direct, no HTTP) and
// GET /document/_search?query= (the store path, over HTTP). Its own API and in-process worker on the stack
// bench/run.ts started. Prints one table.
import { performance } from 'node:perf_hooks';
import { escapeRegex } from '../src/search/es-query';
import { startChatEnv } from '../test/helpers/chat-env';
import { fmtSummary, ratio, summarize, table } from './stats';

const SIZES = (process.env.BENCH_QUERY_SIZES ?? '10000').split(',').map(Number);
const BASELINE_LIMIT_MS = 300_000;
const QUERIES = 100;
const BASELINE_QUERIES = 10;

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}
const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'xyzqk'[i % 5]}`);

function makeDoc(i: number, ds: { id: string; name: string }, rand: () => number) {
  const words = (n: number) => Array.from({ length: n }, () => VOCAB[Math.floor(rand() ** 2 * VOCAB.length)]).join(' ');
  const at = new Date(1_700_000_000_000 + i);
  return {
    _id: `qdoc${ds.id.slice(0, 6)}${i.toString().padStart(7, '0')}`,
    source: { id: ds.id, type: 'connector', name: ds.name, icon: '' },
    title: words(6),
    summary: words(20),
    content: words(150),
    category: `cat${i % 20}`,
    lang: i % 3 ? 'en' : 'de',
    type: 'note',
    tags: [`t${i % 50}`, `t${i % 7}`],
    created: at,
    updated: at,
  };
}

export async function querySearch(log: (line: string) => void = (l) => process.stdout.write(`[bench] ${l}\n`)): Promise<void> {
  const env = await startChatEnv('query-bench');
  const { api } = env;
  const { models } = api.server.deps.mongo;
  const rows: string[][] = [['documents', '/query/_search (BM25, worker)', '$regex scan (Mongo, direct)', '/document/_search?query= (HTTP)', 'ratio p50 (ours / $regex)']];
  try {
    for (const size of SIZES) {
      const name = `bench-${size}`;
      const id = (await api.request('POST', '/datasource/', { name })).body._id as string;
      const rand = rng(size);
      for (let i = 0; i < size; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, size - i) }, (_, k) => makeDoc(i + k, { id, name }, rand));
        await models.Document.collection.insertMany(batch as never[]);
      }
      await api.server.deps.domain.datasources.touch(id); // written behind the change log: a new epoch
      const q = rng(size + 1);
      const queries = Array.from({ length: QUERIES }, (_, k) => {
        const w = () => VOCAB[Math.floor(q() ** 2 * 500)]!;
        return k % 2 ? w() : `${w()} ${w()}`;
      });
      // Warm-up: the worker builds its index on the first request (a 503 while it builds is retried).
      const t0 = performance.now();
      for (;;) {
        const res = await api.request('GET', `/query/_search?datasource=${id}&query=${encodeURIComponent(queries[0]!)}`);
        if (res.status === 200) break;
        if (res.status !== 503 || performance.now() - t0 > 120_000) throw new Error(`warm-up: ${res.status} ${res.text}`);
      }
      log(`${size} documents: index ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      const ours: number[] = [];
      let answered = 0;
      for (const text of queries) {
        const s = performance.now();
        const res = await api.request('GET', `/query/_search?datasource=${id}&size=10&query=${encodeURIComponent(text)}`);
        ours.push(performance.now() - s);
        if (res.status !== 200) throw new Error(`/query/_search: ${res.status} ${res.text}`);
        if ((res.body.hits.hits as Array<{ _source: { type?: string } }>).some((h) => h._source.type !== 'AI Assistant')) answered++;
      }
      if (answered < QUERIES / 2) throw new Error(`/query/_search found something for only ${answered} of ${QUERIES} queries`);
      // Printed now: the baselines below take minutes at 100k documents.
      log(`${size} documents: /query/_search ${fmtSummary(summarize(ours))}`);

      const regex: number[] = [];
      for (const text of queries.slice(0, BASELINE_QUERIES)) {
        const words = text.split(' ').map((w) => ({ $regex: escapeRegex(w), $options: 'i' }));
        const filter = { 'source.id': id, disabled: { $ne: true }, $or: words.flatMap((r) => [{ title: r }, { summary: r }, { content: r }]) };
        const s = performance.now();
        // The naive path as it costs, past the server's own 15 s read limit (which would stop it at 100k).
        await Promise.all([models.Document.find(filter).sort({ created: -1, _id: 1 }).limit(10).maxTimeMS(BASELINE_LIMIT_MS).lean(), models.Document.countDocuments(filter).maxTimeMS(BASELINE_LIMIT_MS)]);
        regex.push(performance.now() - s);
      }
      const store: number[] = [];
      let limited = 0;
      for (const text of queries.slice(0, BASELINE_QUERIES)) {
        const s = performance.now();
        const res = await api.request('GET', `/document/_search?size=10&filter=source.id:${id}&query=${encodeURIComponent(text)}`);
        store.push(performance.now() - s);
        // The store path stops a search at its 5 s time limit (a 400): timed as it answered, and counted.
        if (res.status === 400 && /longer than/.test(res.text)) limited++;
        else if (res.status !== 200) throw new Error(`/document/_search: ${res.status} ${res.text}`);
      }
      const a = summarize(ours);
      const b = summarize(regex);
      rows.push([String(size), fmtSummary(a), fmtSummary(b), `${fmtSummary(summarize(store))}${limited ? `, ${limited} stopped at its 5 s limit` : ''}`, ratio(a.p50, b.p50)]);
    }
  } finally {
    await env.close();
  }
  process.stdout.write(`\n${table(rows)}\n\n`);
  log('the API and the worker share this process (and 2 cores with the stack); the $regex scan runs without HTTP');
}
