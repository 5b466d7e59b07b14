// One datasource's index: a BM25 index (MiniSearch) over compact records of its documents, which can take
// one document in, or let one go, without a rebuild. A document's position (`ord`) in `docs` is its id in
// MiniSearch; a replaced or deleted document leaves a hole there (MiniSearch forgets it by `discard`, and
// vacuums its postings in the background).
//
// Sizes (bench/retrieval.ts): MiniSearch keeps one Map entry per (term, field, document), so build time
// and heap grow with the distinct words indexed per document; hence only the head of `content` is
// indexed, and each document is kept as one compact record.
import MiniSearch from 'minisearch';
import type { IndexedDoc } from './types';

/** A document as read from the store (only the fields the index keeps). */
export type StoredDoc = Partial<Omit<IndexedDoc, 'id'>> & { _id: string; content?: string; updated: Date; created: Date };

/** What MiniSearch indexes; `id` is the document's ord. Dropped once indexed. */
export interface IndexedText {
  id: number;
  title: string;
  summary: string;
  content: string;
  tagText: string;
  categoryText: string;
}

export const SEARCH_FIELDS = ['title', 'summary', 'content', 'tagText', 'categoryText'];
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
/** Only what the index keeps and searches: no payload/metadata JSON, thumbnails and such. */
export const LOAD_FIELDS = ['title', 'summary', 'content', 'url', 'icon', 'type', 'category', 'subcategory', 'categories', 'tags', 'lang', 'disabled', 'source', 'owner', 'rich_categories', 'updated', 'created'];

export function newSearch(): MiniSearch<IndexedText> {
  return new MiniSearch<IndexedText>({ fields: SEARCH_FIELDS, storeFields: [] });
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


/** Where the index stands in its datasource's change log (infra/doc-changes). */
export interface LogPosition {
  epoch: string;
  seq: number;
}

export class DatasourceIndex {
  private readonly interner = new Interner();
  private readonly ordOf = new Map<string, number>();
  private disabledCount = 0;
  /** Last used (ms): the least recently used index is dropped first when a worker holds too many documents. */
  usedAt = Date.now();

  constructor(
    readonly datasourceId: string,
    public position: LogPosition,
    readonly search: MiniSearch<IndexedText> = newSearch(),
    /** Holes (undefined) where a document was replaced or deleted. */
    readonly docs: Array<IndexedDoc | undefined> = [],
  ) {
    // Records read back from a snapshot: their repeated values are kept once again.
    const i = this.interner;
    docs.forEach((d, ord) => {
      if (!d) return;
      Object.assign(d, { icon: i.str(d.icon), type: i.str(d.type), category: i.str(d.category), subcategory: i.str(d.subcategory), lang: i.str(d.lang) });
      Object.assign(d, { categories: i.list(d.categories), tags: i.list(d.tags), source: i.source(d.source, datasourceId), rich_categories: i.objects(d.rich_categories) });
      this.ordOf.set(d.id, ord);
      if (d.disabled) this.disabledCount++;
    });
  }

  /** Documents held (not holes). */
  get size(): number {
    return this.ordOf.size;
  }

  /** No document is disabled: the search needs no per-document check at all. */
  get allEnabled(): boolean {
    return this.disabledCount === 0;
  }

  /** The compact record of a stored document, and the text to index (not kept). */
  take(raw: StoredDoc): IndexedText {
    this.drop(raw._id);
    const i = this.interner;
    const doc: IndexedDoc = {
      id: raw._id,
      title: raw.title ?? '',
      summary: head(raw.summary ?? '', SUMMARY_CHARS),
      url: raw.url ?? '',
      icon: i.str(raw.icon),
      type: i.str(raw.type),
      category: i.str(raw.category),
      subcategory: i.str(raw.subcategory),
      categories: i.list(raw.categories),
      tags: i.list(raw.tags),
      lang: i.str(raw.lang),
      disabled: raw.disabled === true,
      source: i.source(raw.source, this.datasourceId),
      owner: raw.owner ?? null,
      rich_categories: i.objects(raw.rich_categories),
      updated: raw.updated,
      created: raw.created,
    };
    if (doc.disabled) this.disabledCount++;
    const ord = this.docs.push(doc) - 1;
    this.ordOf.set(doc.id, ord);
    return {
      id: ord,
      title: doc.title,
      summary: doc.summary,
      content: contentHead(typeof raw.content === 'string' ? raw.content : String(raw.content ?? '')),
      tagText: doc.tags.join(' '),
      categoryText: [doc.category, doc.subcategory, ...doc.categories].filter(Boolean).join(' '),
    };
  }

  /** Takes a stored document in now (replacing the one with its id). */
  put(raw: StoredDoc): void {
    this.search.add(this.take(raw));
  }

  /** Lets the document with this id go, if held. */
  drop(id: string): void {
    const ord = this.ordOf.get(id);
    if (ord === undefined) return;
    if (this.docs[ord]!.disabled) this.disabledCount--;
    this.ordOf.delete(id);
    this.docs[ord] = undefined;
    this.search.discard(ord);
  }
}
