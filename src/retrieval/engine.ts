// The embedded retrieval engine: a BM25 index (MiniSearch) per datasource, kept per worker and kept up to
// date from the datasource's change log in Redis (infra/doc-changes): a changed document is read again
// and replaced in the index; only a new epoch (the datasource itself changed, Redis lost its keys) or a
// log trimmed past the index rebuilds it. A built index is snapshotted to disk, and a worker that starts
// later loads that snapshot and catches up from its log position instead of reading the corpus again.
// Filters (datasource.filter, request filters) are compiled like search filters and checked per document
// (see ./filter: direct checks for the common shapes, mingo for the rest).
import { setImmediate as nextTurn } from 'node:timers/promises';
import MiniSearch from 'minisearch';
import type { Documents } from '../domain/documents/documents';
import { DOCUMENT_SEARCH_FIELDS } from '../domain/documents/records';
import type { ChangeState, DocChanges } from '../infra/doc-changes';
import type { Logger } from '../infra/logger';
import { SearchQueryError } from '../search/errors';
import { compileQuery, Filter } from '../search/es-query';
import { DatasourceIndex, type IndexedText, LOAD_FIELDS, type StoredDoc } from './datasource-index';
import { type QueryTerm, scoreTerms } from './bm25';
import { RetrievalError } from './errors';
import { compileDocFilter } from './filter';
import { loadSnapshot, saveSnapshot } from './snapshot';
import { type Order, TopK } from './top-k';
import type { IndexedDoc, RetrievalRequest, RetrievedDoc } from './types';

const FIELD_BOOSTS = { title: 3, tagText: 2, summary: 1.5 };
/** Prefix expansion of short words fans out to hundreds of terms (and their postings). */
const PREFIX_MIN_LENGTH = 4;
/** Fuzzy matching (one edit) only for longer words: short ones have many neighbours and typos matter less. */
const FUZZY_MIN_LENGTH = 6;
/** Documents per read from Mongo; reading runs ahead of indexing so the database works meanwhile. */
const LOAD_BATCH = 2000;
/** Documents indexed between yields to the event loop (heartbeats, reads in flight). */
const INDEX_SLICE = 500;
/** Changed documents read per query while catching up. */
const CHANGE_BATCH = 1000;
/** More changes than this (and than half the index) since the index was made: rebuilding is cheaper. */
const CATCH_UP_MAX = 20_000;
/** After this many changes taken in, the snapshot is written again (a new worker's catch-up stays short). */
const RESNAPSHOT_CHANGES = 5_000;

// Query words are split and normalised exactly as the index does it.
const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];
const processTerm = MiniSearch.getDefault('processTerm') as (term: string) => string | null | undefined;

/** A match: its document, its score, and what it is ranked by (the score, or its time without query words). */
export interface Match {
  key: number;
  score: number;
  doc: IndexedDoc;
}

/** How matches are ranked: by key, highest first, then by id. */
export const byRank: Order<Match> = (a, b) => b.key - a.key || a.doc.id.localeCompare(b.doc.id);

const timeOf = (d: IndexedDoc) => (d.updated instanceof Date ? d.updated.getTime() : Date.parse(String(d.updated)) || 0);

export interface RetrievalOptions {
  /** Where built indexes are snapshotted (none: no snapshots). */
  snapshotDir?: string;
  /** Documents this worker holds in all its indexes; beyond it the least recently used indexes are dropped. */
  maxDocs: number;
  logger?: Logger;
}

/** The query terms, each once: repeats (the query and its rephrasings share words) become a term boost. */
function queryPlan(queries: string[]): { text: string; boost: Map<string, number>; prefix: Set<string> } {
  const boost = new Map<string, number>();
  const prefix = new Set<string>();
  for (const q of queries) {
    const terms = tokenize(q).map((t) => processTerm(t)).filter((t): t is string => !!t);
    terms.forEach((t) => boost.set(t, (boost.get(t) ?? 0) + 1));
    // Only a query's last word may be unfinished (search as you type); whole words match exactly.
    const last = terms.at(-1);
    if (last && last.length >= PREFIX_MIN_LENGTH) prefix.add(last);
  }
  return { text: [...boost.keys()].join(' '), boost, prefix };
}

/** A filter (datasource.filter or a request's) as a Mongo filter; a filter it cannot read is a RetrievalError. */
function compileFilter(clause: unknown, i: number): Filter {
  try {
    return compileQuery(clause, DOCUMENT_SEARCH_FIELDS, `filter[${i}]`);
  } catch (err) {
    if (err instanceof SearchQueryError) throw new RetrievalError(err.message);
    throw err;
  }
}

export class RetrievalEngine {
  private readonly indexes = new Map<string, DatasourceIndex>();
  /** Loads, builds and catch-ups in flight, shared by concurrent callers. */
  private readonly pending = new Map<string, Promise<DatasourceIndex>>();
  private readonly changedSinceSnapshot = new Map<string, number>();

  constructor(
    private readonly documents: Documents,
    private readonly changes: DocChanges,
    private readonly opts: RetrievalOptions,
  ) {}

  async search(req: RetrievalRequest): Promise<RetrievedDoc[]> {
    if (req.size <= 0) return [];
    return (await this.rank({ ...req, from: 0 })).hits;
  }

  /**
   * One page (`from`, `size`) of the best matches and how many match in all (unified search). Without
   * query words and with `matchAll`, every document the filters let through matches (score 1, newest
   * first). With `all`, every match comes back too, unranked (for aggregations; `byRank` ranks them).
   *
   * Ranked best score first, then by id (newest first, then by id, without query words). Only the page's
   * documents become results: the matches are scored into arrays (./bm25) and the best `from + size`
   * kept on a bounded heap (./top-k), so a common word matching most of 100k documents costs their
   * scoring, not building, sorting and copying them all.
   */
  async rank(req: RetrievalRequest & { from: number; matchAll?: boolean; all?: boolean }): Promise<{ total: number; hits: RetrievedDoc[]; matches?: Match[] }> {
    const plan = queryPlan(req.queries);
    if ((!plan.text && !req.matchAll) || req.datasourceIds.length === 0) return { total: 0, hits: [], ...(req.all && { matches: [] }) };
    const compiled = req.filters.filter((f) => f && Object.keys(f as object).length > 0).map((f, i) => compileFilter(f, i));
    const accept = compiled.length ? compileDocFilter(compiled.length === 1 ? compiled[0]! : { $and: compiled }) : null;
    // The terms as MiniSearch's search would make them of the query text (each once).
    const terms: QueryTerm[] = [...new Set(tokenize(plan.text).map((t) => processTerm(t)).filter((t): t is string => !!t))].map((term) => ({
      term,
      prefix: plan.prefix.has(term),
      fuzzy: term.length >= FUZZY_MIN_LENGTH ? 1 : false,
      boost: plan.boost.get(term) ?? 1,
    }));
    const want = req.from + req.size;
    const best = new TopK<Match>(want, byRank);
    const all: Match[] = [];
    /** Takes one match (`key`: its score, or its time without query words); only candidates for the page become objects (unless all are wanted). */
    /** Could be on the page (a tie with the worst one kept is decided by the id). */
    const candidate = (key: number) => !best.full || (best.size > 0 && key >= best.worst!.key);
    const offer = (key: number, doc: IndexedDoc) => {
      if (req.all) {
        const m = { key, score: plan.text ? key : 1, doc };
        all.push(m);
        if (candidate(key)) best.push(m);
      } else if (candidate(key)) best.push({ key, score: plan.text ? key : 1, doc });
    };
    let total = 0;
    for (const index of await Promise.all(req.datasourceIds.map((id) => this.indexFor(id)))) {
      const { docs } = index;
      if (!plan.text) {
        for (const doc of docs) {
          if (doc && !doc.disabled && (!accept || accept(doc))) {
            offer(timeOf(doc), doc);
            total++;
          }
        }
        continue;
      }
      // Checked while scoring, once per document: rejected documents never match.
      const admit =
        accept || !index.allEnabled
          ? (ord: number) => {
              const doc = docs[ord];
              return !!doc && !doc.disabled && (!accept || accept(doc)); // no doc: a hole MiniSearch has not vacuumed yet
            }
          : null;
      const { ords, scores } = scoreTerms(index.search, terms, { fieldBoosts: FIELD_BOOSTS, accept: admit });
      total += ords.length;
      for (let i = 0; i < ords.length; i++) offer(scores[i]!, docs[ords[i]!]!);
    }
    const hits = best
      .sorted()
      .slice(req.from)
      .map((m): RetrievedDoc => ({ ...m.doc, score: m.score }));
    return { total, hits, ...(req.all && { matches: all }) };
  }

  /** The index of one datasource, up to date with its change log. */
  async indexFor(datasourceId: string): Promise<DatasourceIndex> {
    const state = await this.changes.state(datasourceId);
    let index = this.indexes.get(datasourceId);
    if (index && !this.canCatchUp(index.position, state)) {
      // Stale for good: let it go now rather than after the rebuild, so the two are not in memory together.
      this.indexes.delete(datasourceId);
      index = undefined;
    }
    if (!index) {
      index = await this.shared(`load:${datasourceId}:${state.epoch}`, () => this.loadOrBuild(datasourceId, state));
      this.indexes.set(datasourceId, index);
      this.evictBeyond(this.opts.maxDocs, index);
    }
    while (index.position.seq < state.seq) {
      const current = index;
      index = await this.shared(`catch-up:${datasourceId}`, () => this.catchUp(current, state));
    }
    index.usedAt = Date.now();
    return index;
  }

  /** Holds now for a later search (an admin's "reindex" warms workers; tests and benches use it). */
  held(datasourceId: string): DatasourceIndex | undefined {
    return this.indexes.get(datasourceId);
  }

  private canCatchUp(p: { epoch: string; seq: number }, state: ChangeState): boolean {
    return p.epoch === state.epoch && p.seq >= state.floor && p.seq <= state.seq;
  }

  private shared(key: string, work: () => Promise<DatasourceIndex>): Promise<DatasourceIndex> {
    let p = this.pending.get(key);
    if (!p) {
      p = work().finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  private async loadOrBuild(datasourceId: string, state: ChangeState): Promise<DatasourceIndex> {
    const dir = this.opts.snapshotDir;
    if (dir) {
      const t0 = Date.now();
      const loaded = await loadSnapshot(dir, datasourceId, (p) => this.canCatchUp(p, state)).catch((err: Error) => {
        this.opts.logger?.warn({ err: err.message, datasource: datasourceId }, 'retrieval snapshot unreadable; rebuilding');
        return undefined;
      });
      if (loaded) {
        this.opts.logger?.info({ datasource: datasourceId, docs: loaded.size, ms: Date.now() - t0 }, 'retrieval index loaded from its snapshot');
        return loaded;
      }
    }
    const t0 = Date.now();
    const built = await this.build(datasourceId, { epoch: state.epoch, seq: state.seq });
    this.opts.logger?.info({ datasource: datasourceId, docs: built.size, ms: Date.now() - t0 }, 'retrieval index built');
    this.snapshot(built);
    return built;
  }

  /** Takes in the documents changed since the index's position (or rebuilds when that is cheaper). */
  private async catchUp(index: DatasourceIndex, state: ChangeState): Promise<DatasourceIndex> {
    const id = index.datasourceId;
    const upTo = state.seq;
    const ids = await this.changes.changedBetween(id, index.position.seq, upTo);
    if (ids.length > CATCH_UP_MAX && ids.length > index.size / 2) {
      this.indexes.delete(id);
      const rebuilt = await this.build(id, { epoch: state.epoch, seq: upTo });
      this.indexes.set(id, rebuilt);
      this.snapshot(rebuilt);
      return rebuilt;
    }
    for (let i = 0; i < ids.length; i += CHANGE_BATCH) {
      const batch = ids.slice(i, i + CHANGE_BATCH);
      const found = new Map((await this.documents.someOf<StoredDoc>(id, batch, LOAD_FIELDS)).map((d) => [d._id, d]));
      for (const docId of batch) {
        const raw = found.get(docId);
        if (raw) index.put(raw);
        else index.drop(docId); // deleted, or moved to another datasource
      }
    }
    index.position = { epoch: state.epoch, seq: Math.max(index.position.seq, upTo) };
    const changed = (this.changedSinceSnapshot.get(id) ?? 0) + ids.length;
    this.changedSinceSnapshot.set(id, changed);
    if (changed >= RESNAPSHOT_CHANGES) this.snapshot(index);
    return index;
  }

  /** Writes the snapshot in the background; a failure only costs the next worker a rebuild. */
  private snapshot(index: DatasourceIndex): void {
    const dir = this.opts.snapshotDir;
    if (!dir) return;
    this.changedSinceSnapshot.set(index.datasourceId, 0);
    saveSnapshot(dir, index).catch((err: Error) => this.opts.logger?.warn({ err: err.message, datasource: index.datasourceId }, 'could not write the retrieval snapshot'));
  }

  /** Drops the least recently used indexes (never `keep`) while the worker holds more than `maxDocs` documents. */
  private evictBeyond(maxDocs: number, keep: DatasourceIndex): void {
    let total = [...this.indexes.values()].reduce((n, i) => n + i.size, 0);
    const byAge = [...this.indexes.values()].filter((i) => i !== keep).sort((a, b) => a.usedAt - b.usedAt);
    for (const old of byAge) {
      if (total <= maxDocs) break;
      this.indexes.delete(old.datasourceId);
      total -= old.size;
    }
  }

  private async build(datasourceId: string, position: { epoch: string; seq: number }): Promise<DatasourceIndex> {
    const index = new DatasourceIndex(datasourceId, position);
    // The raw driver, not mongoose documents: only the fields the index keeps, no casting.
    const cursor = this.documents.readAll<StoredDoc>(datasourceId, LOAD_FIELDS, LOAD_BATCH);

    // Reading runs ahead of indexing (the cursor asks for the next batch as soon as one is taken
    // apart), so the database prepares batches while this process indexes; queued are only the
    // compact records and the indexed text, not the read documents.
    let queue: IndexedText[] = [];
    let loaded = false;
    let wake: (() => void) | undefined;
    const reading = (async () => {
      try {
        for await (const raw of cursor) {
          queue.push(index.take(raw));
          wake?.();
        }
      } finally {
        loaded = true;
        wake?.();
      }
    })();
    reading.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile

    try {
      for (;;) {
        if (queue.length > 0) {
          const work = queue;
          queue = [];
          for (let i = 0; i < work.length; i += INDEX_SLICE) {
            index.search.addAll(work.slice(i, i + INDEX_SLICE));
            await nextTurn();
          }
        } else if (loaded) {
          break;
        } else {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      }
      await reading;
    } finally {
      if (!loaded) await cursor.close().catch(() => undefined);
    }
    return index;
  }
}
