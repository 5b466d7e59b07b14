// Retrieval benchmark (issue 4): BM25 index build time and query latency at 10k and 100k documents,
// and the memory the index takes in a worker. Baseline, measured in the same run: the same queries as
// a MongoDB $regex scan (what the search endpoints do) on the same FerretDB collection.
// Per size it also logs this process's CPU time during the build and the same queries without the filter,
// how long a changed document takes to become searchable (the index takes the change in; before, it was
// rebuilt: the build time), and how long a new worker takes to load the index from its snapshot.
// Run: npx tsx --expose-gc bench/retrieval.ts   (starts its own FerretDB; needs the local Redis)
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { createDomain } from '../src/domain';
import { connectMongo } from '../src/infra/mongo';
import { connectRedis } from '../src/infra/redis';
import { DocChanges } from '../src/infra/doc-changes';
import { RetrievalEngine } from '../src/retrieval/engine';
import { saveSnapshot } from '../src/retrieval/snapshot';
import { escapeRegex } from '../src/search/es-query';
import { startStack } from '../scripts/lib/stack';
import { fmtSummary, ratio, summarize, table } from './stats';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const QUERIES = 50;
const BASELINE_QUERIES = 10;
const PORT = Number(process.env.BENCH_FERRETDB_PORT ?? 37717);
const REDIS_PORT = Number(process.env.BENCH_REDIS_PORT ?? 16679);

/** Deterministic pseudo-random words, so every run indexes the same corpus. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}
const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'xyzqk'[i % 5]}`);

function makeDoc(i: number, ds: string, rand: () => number) {
  const words = (n: number) => Array.from({ length: n }, () => VOCAB[Math.floor(rand() ** 2 * VOCAB.length)]).join(' ');
  return {
    _id: `doc${i.toString().padStart(7, '0')}`,
    source: { id: ds, type: 'connector', name: 'bench', icon: '' },
    title: words(6),
    summary: words(20),
    content: words(150),
    category: `cat${i % 20}`,
    tags: [`t${i % 50}`, `t${i % 7}`],
    created: new Date(1_700_000_000_000 + i),
    updated: new Date(1_700_000_000_000 + i),
  };
}

const heapMb = () => {
  global.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-bench-retrieval-'));
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${REDIS_PORT}`;
  const stack = await startStack({ log: (l) => console.log(`[stack] ${l}`), dataDir, temporal: null, ferret: { port: PORT, dir: path.join(dataDir, 'ferretdb') }, postgres: null, redis: process.env.REDIS_URL ? null : { port: REDIS_PORT, dir: null }, redisUrl });
  const mongo = await connectMongo(`mongodb://127.0.0.1:${PORT}/bench`);
  const redis = await connectRedis(redisUrl, () => undefined);
  const prefix = `bench:${process.pid}:`;
  const domain = createDomain({ models: mongo.models, blobs: mongo.blobs, redis, redisPrefix: prefix });
  const rows: string[][] = [['documents', 'index build', 'index heap', 'BM25 query', 'baseline $regex query', 'ratio (p50)']];
  const updates: string[][] = [['documents', 'change → searchable p50', 'p99', 'before: rebuild', 'snapshot write (longest block)', 'new worker: snapshot load', 'before: build']];
  const changes = new DocChanges(redis, prefix);
  const snapshotDir = path.join(dataDir, 'snapshots');
  try {
    let inserted = 0;
    const rand = rng(42);
    for (const size of SIZES) {
      const ds = 'bench-ds';
      const t0 = Date.now();
      while (inserted < size) {
        const batch = Array.from({ length: Math.min(2000, size - inserted) }, (_, k) => makeDoc(inserted + k, ds, rand));
        await mongo.models.Document.insertMany(batch, { lean: true });
        inserted += batch.length;
      }
      console.log(`[bench] ${size} documents in FerretDB (loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      await domain.datasources.touch(ds);

      // Without snapshots: the build, heap and query figures are the index's alone (a snapshot is written below, timed).
      const engine = new RetrievalEngine(domain.documents, changes, { maxDocs: 1_000_000 });
      const before = heapMb();
      const cpu0 = process.cpuUsage();
      const b0 = performance.now();
      await engine.search({ datasourceIds: [ds], queries: ['warmup'], filters: [], size: 10 }); // builds the index
      const buildMs = performance.now() - b0;
      const cpu = process.cpuUsage(cpu0);
      const indexMb = heapMb() - before;
      // The machine may be shared: this process's CPU time says how much of the build is ours (reading,
      // indexing) rather than FerretDB's or a neighbour's.
      console.log(`[bench] ${size} documents: index build ${(buildMs / 1000).toFixed(1)} s, of it ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU in this process`);

      const q = rng(7);
      const queries = Array.from({ length: QUERIES }, () => `${VOCAB[Math.floor(q() * 300)]} ${VOCAB[Math.floor(q() * 2000)]}`);
      const bm25: number[] = [];
      let answered = 0;
      for (const text of queries) {
        const s = performance.now();
        const found = await engine.search({ datasourceIds: [ds], queries: [text], filters: [{ term: { category: 'cat3' } }], size: 10 });
        bm25.push(performance.now() - s);
        if (found.length > 0 && found.every((d) => d.category === 'cat3')) answered++;
      }
      // A fast engine that finds nothing (or ignores the filter) must not pass for a fast one.
      if (answered < queries.length / 2) throw new Error(`BM25 queries answered: only ${answered} of ${queries.length}`);
      const unfiltered: number[] = [];
      for (const text of queries) {
        const s = performance.now();
        await engine.search({ datasourceIds: [ds], queries: [text], filters: [], size: 10 });
        unfiltered.push(performance.now() - s);
      }
      console.log(`[bench] ${size} documents: BM25 query without filters ${fmtSummary(summarize(unfiltered))}`);
      const base: number[] = [];
      for (const text of queries.slice(0, BASELINE_QUERIES)) {
        const words = text.split(' ').map((w) => ({ $regex: escapeRegex(w), $options: 'i' }));
        const s = performance.now();
        await mongo.models.Document.find({ 'source.id': ds, category: 'cat3', $or: words.flatMap((r) => [{ title: r }, { content: r }]) }).limit(10).lean();
        base.push(performance.now() - s);
      }
      const ours = summarize(bm25);
      const theirs = summarize(base);
      rows.push([String(size), `${(buildMs / 1000).toFixed(2)} s`, `${indexMb.toFixed(0)} MB`, fmtSummary(ours), fmtSummary(theirs), ratio(ours.p50, theirs.p50)]);
      console.log(table(rows));

      // A document changes (as the API writes it: the store, then the change log); how long until a search finds it.
      const visible: number[] = [];
      for (let k = 0; k < 20; k++) {
        const docId = `doc${String(Math.floor(q() * size)).padStart(7, '0')}`;
        const word = `fresh${size}x${k}`;
        const s = performance.now();
        await mongo.models.Document.updateOne({ _id: docId }, { $set: { title: `${word} title`, updated: new Date() } });
        await domain.datasources.touch(ds, docId);
        for (let tries = 0; ; tries++) {
          const found = await engine.search({ datasourceIds: [ds], queries: [word], filters: [], size: 1 });
          if (found[0]?.id === docId) break;
          if (tries > 200) throw new Error(`${docId} not searchable by ${word}`);
        }
        visible.push(performance.now() - s);
      }
      // A snapshot of the index as it is now (the longest the event loop is blocked while writing it is the
      // stall a worker's replies would see), then a new worker's engine loads it and catches up.
      let longestBlock = 0;
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        longestBlock = Math.max(longestBlock, now - last - 10);
        last = now;
      }, 10);
      const w0 = performance.now();
      await saveSnapshot(snapshotDir, engine.held(ds)!);
      const writeMs = performance.now() - w0;
      clearInterval(ticker);
      for (let k = 0; k < 3; k++) {
        const docId = `doc${String(k).padStart(7, '0')}`;
        await mongo.models.Document.updateOne({ _id: docId }, { $set: { title: `fresh${size}x${20 + k} title` } });
        await domain.datasources.touch(ds, docId);
      }
      const fresh = new RetrievalEngine(domain.documents, changes, { maxDocs: 1_000_000, snapshotDir });
      const l0 = performance.now();
      const again = await fresh.search({ datasourceIds: [ds], queries: [`fresh${size}x22`], filters: [], size: 1 });
      const loadMs = performance.now() - l0;
      if (again.length !== 1) throw new Error('the loaded index misses the last change');
      const v = summarize(visible);
      updates.push([String(size), `${v.p50.toFixed(1)} ms`, `${v.p99.toFixed(1)} ms`, `${(buildMs / 1000).toFixed(2)} s`, `${(writeMs / 1000).toFixed(2)} s (${(longestBlock / 1000).toFixed(2)} s)`, `${(loadMs / 1000).toFixed(2)} s`, `${(buildMs / 1000).toFixed(2)} s`]);
      console.log(table(updates));
    }
  } finally {
    await mongo.connection.dropDatabase().catch(() => undefined);
    await mongo.close();
    await redis.quit();
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\nRetrieval: worker heap after both indexes ${heapMb().toFixed(0)} MB (rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
