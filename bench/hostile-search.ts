// `npm run bench -- hostile-search`: the worst search and filter cases of the hostile-input suite
// (test/integration/hostile-input.test.ts), each timed against the running server now ("after") and, in
// the same run, through the unbounded path the server used before issue 14 ("before"):
// - the retrieval filter: the wildcard as a native (backtracking) `new RegExp`, run in a worker thread
//   that is stopped after BEFORE_CAP_MS, since a catastrophic regex cannot be interrupted otherwise;
// - the database: the raw MongoDB filter or pipeline the DSL builds, sent straight through the mongoose
//   model, without the field checks, the query limits or the server's time limit (the bench's own cap,
//   BEFORE_CAP_MS as maxTimeMS, only makes it end).
// Its own API server and database (on the stack bench/run.ts started), 10,000 documents with 40-character
// titles. Prints one table: case, before, after, ratio.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { DOCUMENT_SEARCH_FIELDS } from '../src/domain/documents/records';
import { compileDocFilter } from '../src/retrieval/filter';
import type { IndexedDoc } from '../src/retrieval/types';
import { compileQuery, escapeRegex } from '../src/search/es-query';
import { newId } from '../src/shared/ids';
import { startTestApi, type TestApi } from '../test/helpers/api';
import { prng, wildcardPattern, wildcardRegex } from '../test/helpers/hostile';
import { table } from './stats';

const BEFORE_CAP_MS = 10_000;
const DOCS = 10_000;
const TITLE_LENGTH = 40;
const RUNS = 3;

/** A timing: milliseconds, or stopped at the cap; with what the request answered. */
interface Timing {
  ms: number;
  stopped?: boolean;
  note?: string;
}

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const fmt = (t: Timing) => (t.stopped ? `> ${BEFORE_CAP_MS / 1000} s (stopped)` : `${fmtMs(t.ms)}${t.note ? ` (${t.note})` : ''}`);
function ratioText(before: Timing, after: Timing): string {
  const r = before.ms / Math.max(after.ms, 0.01);
  const text = r >= 100 ? r.toFixed(0) : r.toFixed(2);
  return `${before.stopped ? '> ' : ''}${text}x`;
}

/** The median of RUNS runs, or the one run when it is slow (a second would only repeat it). */
async function median(run: () => Promise<Timing>): Promise<Timing> {
  const first = await run();
  if (first.stopped || first.ms > 2000) return first;
  const all = [first];
  for (let i = 1; i < RUNS; i++) all.push(await run());
  all.sort((a, b) => a.ms - b.ms);
  return all[Math.floor(all.length / 2)]!;
}

/** The native RegExp over the strings, in a worker thread stopped at the cap. */
function nativeRegexTiming(source: string, strings: string[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const code = `const { parentPort, workerData } = require('node:worker_threads');
      const re = new RegExp(workerData.source);
      const t0 = performance.now();
      let n = 0;
      for (const s of workerData.strings) if (re.test(s)) n++;
      parentPort.postMessage({ ms: performance.now() - t0, n });`;
    const worker = new Worker(code, { eval: true, workerData: { source, strings } });
    const timer = setTimeout(() => void worker.terminate().then(() => resolve({ ms: BEFORE_CAP_MS, stopped: true })), BEFORE_CAP_MS);
    worker.once('message', (m: { ms: number; n: number }) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve({ ms: m.ms, note: `${m.n} matched` });
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** A raw filter or pipeline through the model: no checks, no limits but the bench's cap. */
async function rawTiming(run: () => Promise<unknown>): Promise<Timing> {
  const t0 = performance.now();
  try {
    const out = await run();
    return { ms: performance.now() - t0, note: Array.isArray(out) ? `${out.length} results` : `${String(out)} counted` };
  } catch (err) {
    const e = err as { code?: number; message?: string };
    if (e.code === 50) return { ms: BEFORE_CAP_MS, stopped: true };
    return { ms: performance.now() - t0, note: `error: ${String(e.message).split('\n')[0]!.replace(/^.*\] /, '').slice(0, 60)}` };
  }
}

/** A search through the server's API. */
async function serverTiming(api: TestApi, path: string, body: unknown): Promise<Timing> {
  const payload = JSON.stringify(body);
  const t0 = performance.now();
  const res = await api.request('POST', path, payload);
  const ms = performance.now() - t0;
  if (res.status !== 200) return { ms, note: `${res.status}: ${String(res.body?.error?.reason ?? res.text).slice(0, 60)}` };
  return { ms, note: res.body?.aggregations ? `${res.body.aggregations.x.buckets.length} buckets` : `${res.body.hits.total.value} hits` };
}

function titles(rand: ReturnType<typeof prng>, n: number): string[] {
  // Mostly `a`s and ending in `b`: what a `*a*a…*a` pattern backtracks longest on.
  return Array.from({ length: n }, () => `${Array.from({ length: TITLE_LENGTH - 1 }, () => (rand.chance(0.9) ? 'a' : 'c')).join('')}b`);
}

export async function hostileSearch(): Promise<void> {
  const api = await startTestApi('bench-hostile');
  try {
    const { models } = api.server.deps.mongo;
    const rand = prng(14);
    const dsId = newId();
    const docTitles = titles(rand, DOCS);
    for (let b = 0; b < DOCS; b += 1000) {
      await models.Document.insertMany(
        docTitles.slice(b, b + 1000).map((title, i) => ({
          _id: newId(),
          source: { id: dsId, type: 'connector', name: 'bench', icon: '' },
          title,
          content: `document ${b + i}`,
          tags: [`t${i % 50}`],
          created: new Date(1_700_000_000_000 + b + i),
          updated: new Date(1_700_000_000_000 + b + i),
        })),
      );
    }
    await api.request('POST', '/assistant/', { name: `${'a'.repeat(TITLE_LENGTH - 1)}b`, type: 'simple' });

    const rows: string[][] = [['case', 'before', 'after', 'ratio (before / after)']];
    const add = (label: string, before: Timing, after: Timing) => rows.push([label, fmt(before), fmt(after), ratioText(before, after)]);
    const wild = wildcardPattern(10);
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`);
    const wordsFilter = (n: number) => ({ $or: words(n).map((w) => ({ title: { $regex: escapeRegex(w), $options: 'i' } })) });

    // Retrieval filter (an assistant's datasource.filter, run in the worker over indexed documents).
    const sample = docTitles.slice(0, 10);
    const predicate = compileDocFilter(compileQuery({ wildcard: { title: wild } }, DOCUMENT_SEARCH_FIELDS));
    add(
      `wildcard ${wild} on 10 titles of ${TITLE_LENGTH} chars, retrieval filter`,
      await nativeRegexTiming(wildcardRegex(wild), sample),
      await median(async () => {
        const t0 = performance.now();
        const n = sample.filter((title) => predicate({ title } as IndexedDoc)).length;
        return { ms: performance.now() - t0, note: `${n} matched` };
      }),
    );

    // Searches (/document/_search over 10,000 documents; the assistant with the 40-character name).
    const rawWildcard = { $regex: `^${wild.split('').map((c) => (c === '*' ? '.*' : c)).join('')}$` };
    add(
      `wildcard ${wild}, /assistant/_search (${TITLE_LENGTH}-char name)`,
      await median(() => rawTiming(() => models.Assistant.find({ name: rawWildcard }).maxTimeMS(BEFORE_CAP_MS).lean())),
      await median(() => serverTiming(api, '/assistant/_search', { query: { wildcard: { name: wild } } })),
    );
    add(
      `wildcard ${wild}, /document/_search (${DOCS} docs)`,
      await median(() => rawTiming(() => models.Document.find({ title: rawWildcard }).limit(10).maxTimeMS(BEFORE_CAP_MS).lean())),
      await median(() => serverTiming(api, '/document/_search', { query: { wildcard: { title: wild } } })),
    );
    add(
      `match of 1,000 words, /document/_search`,
      await median(() => rawTiming(() => models.Document.countDocuments(wordsFilter(1000)).maxTimeMS(BEFORE_CAP_MS))),
      await median(() => serverTiming(api, '/document/_search', { query: { match: { title: words(1000).join(' ') } } })),
    );
    add(
      `match of 20,000 words, /document/_search`,
      await rawTiming(() => models.Document.countDocuments(wordsFilter(20_000)).maxTimeMS(BEFORE_CAP_MS)),
      await median(() => serverTiming(api, '/document/_search', { query: { match: { title: words(20_000).join(' ') } } })),
    );
    const should = (n: number) => Array.from({ length: n }, (_, i) => ({ term: { title: `n${i}` } }));
    add(
      '1,000 should clauses, /document/_search',
      await median(() => rawTiming(() => models.Document.countDocuments({ $or: should(1000).map((c) => c.term) }).maxTimeMS(BEFORE_CAP_MS))),
      await median(() => serverTiming(api, '/document/_search', { query: { bool: { should: should(1000) } } })),
    );
    add(
      '5,000 should clauses, /document/_search',
      await rawTiming(() => models.Document.countDocuments({ $or: should(5000).map((c) => c.term) }).maxTimeMS(BEFORE_CAP_MS)),
      await median(() => serverTiming(api, '/document/_search', { query: { bool: { should: should(5000) } } })),
    );
    const deep = (levels: number, leaf: unknown, wrap: (inner: unknown) => unknown) => {
      let q = leaf;
      for (let i = 0; i < levels; i++) q = wrap(q);
      return q;
    };
    // 15 levels: the deepest bool the DSL allows (each is two of its 32 levels).
    add(
      'bool nested 15 levels, /document/_search',
      await median(() => rawTiming(() => models.Document.countDocuments(deep(15, { title: 'x' }, (q) => ({ $and: [q] })) as object).maxTimeMS(BEFORE_CAP_MS))),
      await median(() => serverTiming(api, '/document/_search', { query: deep(15, { term: { title: 'x' } }, (q) => ({ bool: { must: q } })) })),
    );
    add(
      'bool nested 1,000 levels, /document/_search',
      await rawTiming(() => models.Document.countDocuments(deep(1000, { title: 'x' }, (q) => ({ $and: [q] })) as object).maxTimeMS(BEFORE_CAP_MS)),
      await median(() => serverTiming(api, '/document/_search', { query: deep(1000, { term: { title: 'x' } }, (q) => ({ bool: { must: [q] } })) })),
    );
    add(
      `terms aggregation on title, ${DOCS} docs`,
      await median(() => rawTiming(() => models.Document.aggregate([{ $match: {} }, { $group: { _id: '$title', doc_count: { $sum: 1 } } }]).option({ maxTimeMS: BEFORE_CAP_MS }))),
      await median(() => serverTiming(api, '/document/_search', { size: 0, aggs: { x: { terms: { field: 'title', size: 10 } } } })),
    );
    add(
      `terms aggregation on tags (unwound), ${DOCS} docs`,
      await median(() => rawTiming(() => models.Document.aggregate([{ $match: {} }, { $unwind: '$tags' }, { $group: { _id: '$tags', doc_count: { $sum: 1 } } }]).option({ maxTimeMS: BEFORE_CAP_MS }))),
      await median(() => serverTiming(api, '/document/_search', { size: 0, aggs: { x: { terms: { field: 'tags', size: 10 } } } })),
    );

    // 20 aggregations (the most a search may ask for) run one after another.
    const pipeline = [{ $match: {} }, { $group: { _id: '$title', doc_count: { $sum: 1 } } }];
    add(
      `20 terms aggregations on title, ${DOCS} docs`,
      await rawTiming(async () => {
        const t0 = performance.now();
        for (let i = 0; i < 20; i++) {
          const left = BEFORE_CAP_MS - (performance.now() - t0);
          if (left <= 0) throw Object.assign(new Error('capped'), { code: 50 });
          await models.Document.aggregate(pipeline).option({ maxTimeMS: Math.ceil(left) });
        }
        return 20;
      }),
      await serverTiming(api, '/document/_search', { size: 0, aggs: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [i ? `x${i}` : 'x', { terms: { field: 'title' } }])) }),
    );

    process.stdout.write(`\n${table(rows)}\n\n`);
  } finally {
    await api.close();
  }
}
