// The embedded retrieval engine: a BM25 index (MiniSearch) per datasource, kept per worker and rebuilt
// when the datasource's version in Redis moves (the API bumps it on every document change). Filters
// (datasource.filter, request filters) are compiled like search filters and checked per document
// (see ./filter: direct checks for the common shapes, mingo for the rest).
//
// Sizes (bench/retrieval.ts): MiniSearch keeps one Map entry per (term, field, document), so build time
// and heap grow with the distinct words indexed per document; hence only the head of `content` is
// indexed, and each document is kept as one compact record.
import { setImmediate as nextTurn } from 'node:timers/promises';
import MiniSearch, { type SearchOptions } from 'minisearch';
import type { Documents } from '../domain/documents/documents';
import { DOCUMENT_SEARCH_FIELDS } from '../domain/documents/records';
import type { Redis } from '../infra/redis';
import type { VersionKeys } from '../infra/versions';
import { SearchQueryError } from '../search/errors';
import { compileQuery, Filter } from '../search/es-query';
import { RetrievalError } from './errors';
import { compileDocFilter } from './filter';
import type { IndexedDoc, RetrievalRequest, RetrievedDoc } from './types';

type StoredDoc = Partial<Omit<IndexedDoc, 'id'>> & { _id: string; content?: string; updated: Date; created: Date };

/** What MiniSearch indexes; `id` is the document's position in DatasourceIndex.docs. Dropped once indexed. */
interface IndexedText {
  id: number;
  title: string;
  summary: string;
  content: string;
  tagText: string;
  categoryText: string;
}

interface DatasourceIndex {
  version: string;
  search: MiniSearch<IndexedText>;
  docs: IndexedDoc[];
  /** No document is disabled: the search needs no per-document check at all. */
  allEnabled: boolean;
}

const SEARCH_FIELDS = ['title', 'summary', 'content', 'tagText', 'categoryText'];
const FIELD_BOOSTS = { title: 3, tagText: 2, summary: 1.5 };
const SUMMARY_CHARS = 500;
/**
 * How much of `content` is indexed: its head, up to this many distinct words (most documents whole).
 * Every distinct word of a document field is one MiniSearch posting (~40 bytes of heap, ~2 µs to add),
 * so this bounds both for very long documents. Title, summary, tags and categories are indexed whole;
 * the answer step reads the full content from Mongo (deep read).
 */
const CONTENT_TERMS = 512;
/** Content beyond this is not even scanned for words. */
const CONTENT_SCAN_CHARS = 20_000;
/** Prefix expansion of short words fans out to hundreds of terms (and their postings). */
const PREFIX_MIN_LENGTH = 4;
/** Fuzzy matching (one edit) only for longer words: short ones have many neighbours and typos matter less. */
const FUZZY_MIN_LENGTH = 6;
/** Documents per read from Mongo; reading runs ahead of indexing so the database works meanwhile. */
const LOAD_BATCH = 2000;
/** Documents indexed between yields to the event loop (heartbeats, reads in flight). */
const INDEX_SLICE = 500;
/** Only what the index keeps and searches: no payload/metadata JSON, thumbnails and such. */
const LOAD_FIELDS = ['title', 'summary', 'content', 'url', 'icon', 'type', 'category', 'subcategory', 'categories', 'tags', 'lang', 'disabled', 'source', 'owner', 'rich_categories', 'updated', 'created'];

// Query words are split and normalised exactly as the index does it.
const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];
const processTerm = MiniSearch.getDefault('processTerm') as (term: string) => string | null | undefined;

function newIndex(): MiniSearch<IndexedText> {
  return new MiniSearch<IndexedText>({ fields: SEARCH_FIELDS, storeFields: [] });
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

/** Repeated short values (categories, tags, types, the datasource) are kept once, not once per document. */
class Interner {
  private readonly strings = new Map<string, string>();
  private readonly sources = new Map<string, IndexedDoc['source']>();
  private static readonly NONE: never[] = Object.freeze([]) as unknown as never[];

  str(v: unknown): string {
    if (typeof v !== 'string') return v == null ? '' : (v as string); // stored as it came, like before
    if (v === '') return '';
    const seen = this.strings.get(v);
    if (seen !== undefined) return seen;
    this.strings.set(v, v);
    return v;
  }

  list(v: unknown): string[] {
    return Array.isArray(v) && v.length > 0 ? v.map((s) => this.str(s)) : Interner.NONE;
  }

  objects<T>(v: T[] | undefined): T[] {
    return Array.isArray(v) && v.length > 0 ? v : Interner.NONE;
  }

  source(v: Partial<IndexedDoc['source']> | undefined, datasourceId: string): IndexedDoc['source'] {
    const s = { id: this.str(v?.id ?? datasourceId), type: this.str(v?.type), name: this.str(v?.name), icon: this.str(v?.icon) };
    const key = `${s.id}\u0000${s.type}\u0000${s.name}\u0000${s.icon}`;
    const seen = this.sources.get(key);
    if (seen) return seen;
    this.sources.set(key, s);
    return s;
  }
}

/** Words as MiniSearch's default tokenizer sees them (it splits on [\n\r\p{Z}\p{P}]+). */
const WORD = /[^\n\r\p{Z}\p{P}]+/gu;

/** The head of `text` holding at most CONTENT_TERMS distinct words, cut after a whole word. */
function contentHead(text: string): string {
  const seen = new Set<string>();
  let end = 0;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m; m = WORD.exec(text)) {
    seen.add(m[0].toLowerCase());
    if (seen.size > CONTENT_TERMS || m.index >= CONTENT_SCAN_CHARS) return head(text, end);
    end = m.index + m[0].length;
  }
  return text;
}

/**
 * `text.slice(0, end)` as a string of its own: V8 slices point into their parent, so a kept summary or
 * a queued content head would otherwise keep the whole stored text alive. (UTF-16 keeps every code
 * unit as it was; V8 still stores ASCII text one byte per character.)
 */
function head(text: string, end: number): string {
  return end >= text.length ? text : Buffer.from(text.slice(0, end), 'utf16le').toString('utf16le');
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
  private readonly building = new Map<string, Promise<DatasourceIndex>>();

  constructor(
    private readonly documents: Documents,
    private readonly redis: Redis,
    private readonly versions: VersionKeys,
  ) {}

  async search(req: RetrievalRequest): Promise<RetrievedDoc[]> {
    const plan = queryPlan(req.queries);
    if (!plan.text || req.datasourceIds.length === 0 || req.size <= 0) return [];
    const compiled = req.filters.filter((f) => f && Object.keys(f as object).length > 0).map((f, i) => compileFilter(f, i));
    const accept = compiled.length ? compileDocFilter(compiled.length === 1 ? compiled[0]! : { $and: compiled }) : null;
    const options: SearchOptions = {
      boost: FIELD_BOOSTS,
      prefix: (term) => plan.prefix.has(term),
      fuzzy: (term) => (term.length >= FUZZY_MIN_LENGTH ? 1 : false),
      boostTerm: (term) => plan.boost.get(term) ?? 1,
    };
    const hits: RetrievedDoc[] = [];
    for (const index of await Promise.all(req.datasourceIds.map((id) => this.indexFor(id)))) {
      const { docs } = index;
      let boostDocument: SearchOptions['boostDocument'];
      if (accept || !index.allEnabled) {
        // Checked while scoring, once per document: rejected documents never become results, so a
        // selective filter also saves building and sorting results (0 = not checked yet, 1 = in, 2 = out).
        const verdict = new Uint8Array(docs.length);
        boostDocument = (ord: number) => {
          let v = verdict[ord]!;
          if (v === 0) {
            const doc = docs[ord]!;
            v = !doc.disabled && (!accept || accept(doc)) ? 1 : 2;
            verdict[ord] = v;
          }
          return v === 1 ? 1 : 0;
        };
      }
      // Results come sorted by score: keep this datasource's best `size` (and ties with the last one,
      // which the id decides below).
      let kept = 0;
      let last = Infinity;
      for (const r of index.search.search(plan.text, { ...options, boostDocument })) {
        if (kept >= req.size && r.score < last) break;
        hits.push({ ...docs[r.id as number]!, score: r.score });
        last = r.score;
        kept++;
      }
    }
    return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, req.size);
  }

  /** The index of one datasource, rebuilt when its version moved. Concurrent callers share one build. */
  private async indexFor(datasourceId: string): Promise<DatasourceIndex> {
    const version = (await this.redis.get(this.versions.datasource(datasourceId))) ?? 'none';
    const cached = this.indexes.get(datasourceId);
    if (cached && cached.version === version) return cached;
    // Stale: let it go now rather than after the rebuild, so the two are not in memory together.
    if (cached) this.indexes.delete(datasourceId);
    const key = `${datasourceId}@${version}`;
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(datasourceId, version).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    const built = await pending;
    this.indexes.set(datasourceId, built);
    return built;
  }

  private async build(datasourceId: string, version: string): Promise<DatasourceIndex> {
    const search = newIndex();
    const docs: IndexedDoc[] = [];
    const interner = new Interner();
    let allEnabled = true;
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
          const doc: IndexedDoc = {
            id: raw._id,
            title: raw.title ?? '',
            summary: head(raw.summary ?? '', SUMMARY_CHARS),
            url: raw.url ?? '',
            icon: interner.str(raw.icon),
            type: interner.str(raw.type),
            category: interner.str(raw.category),
            subcategory: interner.str(raw.subcategory),
            categories: interner.list(raw.categories),
            tags: interner.list(raw.tags),
            lang: interner.str(raw.lang),
            disabled: raw.disabled === true,
            source: interner.source(raw.source, datasourceId),
            owner: raw.owner ?? null,
            rich_categories: interner.objects(raw.rich_categories),
            updated: raw.updated,
            created: raw.created,
          };
          if (doc.disabled) allEnabled = false;
          queue.push({
            id: docs.push(doc) - 1,
            title: doc.title,
            summary: doc.summary,
            content: contentHead(typeof raw.content === 'string' ? raw.content : String(raw.content ?? '')),
            tagText: doc.tags.join(' '),
            categoryText: [doc.category, doc.subcategory, ...doc.categories].filter(Boolean).join(' '),
          });
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
            search.addAll(work.slice(i, i + INDEX_SLICE));
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
    return { version, search, docs, allEnabled };
  }
}
