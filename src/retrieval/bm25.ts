// BM25 scoring straight off MiniSearch's index, for when the matches are many and only a few are wanted.
// MiniSearch's own `search` builds, per matching document, a result with the matched terms and fields,
// copies it into another object and sorts them all: at 100k documents a common word matches tens of
// thousands, and that (not the scoring) was most of a query's time. This computes the very same scores
// (the same arithmetic, in the same order, so the same floating-point values) into typed arrays and
// returns the matches unsorted; the caller keeps the best few (./top-k).
//
// It reads MiniSearch's internals (minisearch is pinned to an exact version in package.json), checks
// their shape once per index, and test/unit/bm25-scoring.test.ts compares it with `MiniSearch.search`.
import type MiniSearch from 'minisearch';

/** Per field id, per short document id, the term's frequency. */
type FieldTermData = Map<number, Map<number, number>>;

interface Internals {
  _options: { fields: string[] };
  _index: {
    get(term: string): FieldTermData | undefined;
    atPrefix(prefix: string): Iterable<[string, FieldTermData]>;
    fuzzyGet(term: string, maxDistance: number): Map<string, [FieldTermData, number]>;
  };
  _fieldIds: Record<string, number>;
  /** Short id → the id the document was added with (its ord). */
  _documentIds: Map<number, number>;
  _fieldLength: Map<number, number[]>;
  _avgFieldLength: number[];
  _documentCount: number;
  _nextId: number;
  removeTerm(fieldId: number, shortId: number, term: string): void;
}

/** One query term as MiniSearch's `termToQuerySpec` makes it from the search options. */
export interface QueryTerm {
  term: string;
  prefix: boolean;
  /** Edit distance (≥ 1), a fraction of the term's length (< 1), or none. */
  fuzzy: number | false;
  /** The term's boost (`boostTerm`). */
  boost: number;
}

export interface ScoreOptions {
  /** Per field name (MiniSearch's `boost`; 1 when absent). */
  fieldBoosts: Record<string, number>;
  /** Only documents (by the id they were added with) this accepts match (MiniSearch's `boostDocument` returning 0). */
  accept?: ((ord: number) => boolean) | null;
}

/** The matches, unsorted: the id each was added with and its score, exactly as `MiniSearch.search` gives them. */
export interface Scored {
  ords: number[];
  scores: number[];
}

// MiniSearch's defaults (defaultSearchOptions, defaultBM25params).
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;
const MAX_FUZZY = 6;
const BM25 = { k: 1.2, b: 0.7, d: 0.5 };

const checked = new WeakSet<object>();

function internalsOf(search: MiniSearch<never> | MiniSearch<unknown>): Internals {
  const s = search as unknown as Internals;
  if (!checked.has(s)) {
    const ok =
      Array.isArray(s._options?.fields) &&
      typeof s._index?.get === 'function' &&
      typeof s._index.atPrefix === 'function' &&
      typeof s._index.fuzzyGet === 'function' &&
      typeof s._fieldIds === 'object' &&
      s._documentIds instanceof Map &&
      s._fieldLength instanceof Map &&
      Array.isArray(s._avgFieldLength) &&
      typeof s._documentCount === 'number' &&
      typeof s._nextId === 'number' &&
      typeof s.removeTerm === 'function';
    if (!ok) throw new Error('minisearch internals are not what retrieval/bm25 reads (was minisearch upgraded?)');
    checked.add(s);
  }
  return s;
}

/**
 * Per index: MiniSearch's per-document maps as flat arrays (read once per posting, a Map lookup each
 * otherwise), valid while the index holds the same documents, and the scratch space of a query (scoring
 * is synchronous, so queries on one index never share it at the same time).
 */
interface Flat {
  /** The index's state these were made at: documents are only added (nextId grows) or let go (the count drops). */
  nextId: number;
  documentCount: number;
  /** Short id → ord, -1 for a document let go. */
  ordOf: Float64Array;
  /** Short id × field id → the field's length in words. */
  lengths: Float64Array;
  fieldCount: number;
  total: Float64Array;
  current: Float64Array;
  quality: Uint8Array;
  inCurrent: Uint8Array;
  verdict: Uint8Array;
}

const flats = new WeakMap<object, Flat>();

function flatOf(ms: Internals): Flat {
  const n = ms._nextId;
  let flat = flats.get(ms);
  if (flat && flat.nextId === n && flat.documentCount === ms._documentCount) return flat;
  const fieldCount = Object.keys(ms._fieldIds).length;
  const ordOf = new Float64Array(n).fill(-1);
  const lengths = new Float64Array(n * fieldCount);
  for (const [shortId, ord] of ms._documentIds) {
    ordOf[shortId] = ord;
    const l = ms._fieldLength.get(shortId);
    if (l) for (let f = 0; f < fieldCount; f++) lengths[shortId * fieldCount + f] = l[f] ?? 0;
  }
  const same = flat && flat.total.length === n;
  flat = {
    nextId: n,
    documentCount: ms._documentCount,
    ordOf,
    lengths,
    fieldCount,
    total: same ? flat!.total : new Float64Array(n),
    current: same ? flat!.current : new Float64Array(n),
    quality: same ? flat!.quality : new Uint8Array(n),
    inCurrent: same ? flat!.inCurrent : new Uint8Array(n),
    verdict: same ? flat!.verdict : new Uint8Array(n),
  };
  flats.set(ms, flat);
  return flat;
}

/**
 * Scores `terms` against `search` as `search.search(text, {boost, prefix, fuzzy, boostTerm, boostDocument})`
 * does with MiniSearch's default weights and BM25 parameters, OR-combined: per document, each term's
 * contributions summed, the terms' sums added in query order, times the number of terms that matched.
 * Like MiniSearch, postings of documents it has discarded are let go on the way.
 */
export function scoreTerms(search: MiniSearch<never> | MiniSearch<unknown>, terms: QueryTerm[], opts: ScoreOptions): Scored {
  const ms = internalsOf(search);
  const flat = flatOf(ms);
  const { total, quality, current, inCurrent, ordOf, lengths, fieldCount } = flat;
  /** 0 = not checked yet, 1 = accepted, 2 = rejected. */
  const verdict = opts.accept ? flat.verdict : null;
  const accept = opts.accept;
  const matched: number[] = [];
  const checkedIds: number[] = [];
  let touched: number[] = [];

  const fields = ms._options.fields;
  const fieldIds = fields.map((f) => ms._fieldIds[f]!);
  const fieldBoosts = fields.map((f) => (Object.hasOwn(opts.fieldBoosts, f) ? opts.fieldBoosts[f] : undefined) || 1);
  const avgFieldLength = ms._avgFieldLength;
  const documentCount = ms._documentCount;
  const { k, b, d } = BM25;

  /** MiniSearch's termResults: one derived term's postings into `current`. */
  const take = (derived: string, termWeight: number, termBoost: number, data: FieldTermData | undefined) => {
    if (data == null) return;
    for (let f = 0; f < fieldIds.length; f++) {
      const fieldId = fieldIds[f]!;
      const postings = data.get(fieldId);
      if (postings == null) continue;
      const weight = termWeight * termBoost * fieldBoosts[f]!;
      let matchingFields = postings.size;
      let idf = Math.log(1 + (documentCount - matchingFields + 0.5) / (matchingFields + 0.5));
      const avg = avgFieldLength[fieldId]!;
      postings.forEach((termFreq, docId) => {
        const ord = docId < ordOf.length ? ordOf[docId]! : -1;
        if (ord < 0) {
          ms.removeTerm(fieldId, docId, derived);
          matchingFields -= 1;
          idf = Math.log(1 + (documentCount - matchingFields + 0.5) / (matchingFields + 0.5));
          return;
        }
        if (verdict) {
          let v = verdict[docId]!;
          if (v === 0) {
            verdict[docId] = v = accept!(ord) ? 1 : 2;
            checkedIds.push(docId);
          }
          if (v === 2) return;
        }
        const length = lengths[docId * fieldCount + fieldId]!;
        const raw = idf * (d + (termFreq * (k + 1)) / (termFreq + k * (1 - b + (b * length) / avg)));
        if (inCurrent[docId] === 0) {
          inCurrent[docId] = 1;
          touched.push(docId);
        }
        current[docId] = current[docId]! + weight * raw;
      });
    }
  };

  try {
    for (const q of terms) {
      const { term } = q;
      take(term, 1, q.boost, ms._index.get(term));
      let fuzzyMatches: Map<string, [FieldTermData, number]> | undefined;
      if (q.fuzzy) {
        const maxDistance = q.fuzzy < 1 ? Math.min(MAX_FUZZY, Math.round(term.length * q.fuzzy)) : q.fuzzy;
        if (maxDistance) fuzzyMatches = ms._index.fuzzyGet(term, maxDistance);
      }
      if (q.prefix) {
        for (const [derived, data] of ms._index.atPrefix(term)) {
          const distance = derived.length - term.length;
          if (!distance) continue;
          fuzzyMatches?.delete(derived);
          take(derived, (PREFIX_WEIGHT * derived.length) / (derived.length + 0.3 * distance), q.boost, data);
        }
      }
      if (fuzzyMatches) {
        for (const [derived, [data, distance]] of fuzzyMatches) {
          if (!distance) continue;
          take(derived, (FUZZY_WEIGHT * derived.length) / (derived.length + distance), q.boost, data);
        }
      }
      // OR: this term's sum added to the sums so far.
      for (const docId of touched) {
        if (quality[docId] === 0) matched.push(docId);
        total[docId] = total[docId]! + current[docId]!;
        quality[docId] = quality[docId]! + 1;
        current[docId] = 0;
        inCurrent[docId] = 0;
      }
      touched = [];
    }

    const ords = new Array<number>(matched.length);
    const scores = new Array<number>(matched.length);
    for (let i = 0; i < matched.length; i++) {
      const docId = matched[i]!;
      ords[i] = ordOf[docId]!;
      scores[i] = total[docId]! * quality[docId]!;
    }
    return { ords, scores };
  } finally {
    // The scratch space back to zeros for the next query (also after a filter threw).
    for (const docId of matched) {
      total[docId] = 0;
      quality[docId] = 0;
    }
    for (const docId of touched) {
      current[docId] = 0;
      inCurrent[docId] = 0;
    }
    if (verdict) for (const docId of checkedIds) verdict[docId] = 0;
  }
}
