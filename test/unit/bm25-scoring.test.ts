// The engine's own BM25 scoring (src/retrieval/bm25) must give what MiniSearch's search gives, score for
// score (the same floating-point values), on random indexes: with term boosts, prefix and fuzzy terms,
// field boosts, a document filter, and documents discarded but not vacuumed yet.
import MiniSearch from 'minisearch';
import { type QueryTerm, scoreTerms } from '../../src/retrieval/bm25';

/** A tiny seeded PRNG, so a failure names a reproducible case. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const FIELDS = ['title', 'summary', 'content', 'tagText', 'categoryText'];
const BOOSTS = { title: 3, tagText: 2, summary: 1.5 };

function build(seed: number) {
  const rand = prng(seed);
  const vocab = Array.from({ length: 60 }, (_, i) => `w${i.toString(36)}${'xyz'[i % 3]}${i % 4 === 0 ? 'long' : ''}`);
  const words = (n: number) => Array.from({ length: n }, () => vocab[Math.floor(rand() ** 2 * vocab.length)]).join(' ');
  const docs = Array.from({ length: 200 + Math.floor(rand() * 200) }, (_, id) => ({
    id,
    title: words(1 + Math.floor(rand() * 5)),
    summary: words(Math.floor(rand() * 10)),
    content: words(Math.floor(rand() * 40)),
    tagText: rand() < 0.5 ? words(2) : '',
    categoryText: words(1),
  }));
  const twin = () => {
    const ms = new MiniSearch<(typeof docs)[number]>({ fields: FIELDS, storeFields: [] });
    ms.addAll(docs);
    return ms;
  };
  // Two identical indexes: letting discarded documents' postings go changes an index as it is searched.
  const a = twin();
  const b = twin();
  const gone = docs.filter(() => rand() < 0.1).map((d) => d.id);
  for (const ms of [a, b]) for (const id of gone) ms.discard(id);
  return { a, b, vocab, rand };
}

it('scores every match exactly as MiniSearch.search does', () => {
  let compared = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const { a, b, vocab, rand } = build(seed);
    for (let q = 0; q < 6; q++) {
      const picked = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => vocab[Math.floor(rand() * vocab.length)]!.slice(0, rand() < 0.3 ? 3 : undefined)))];
      const terms: QueryTerm[] = picked.map((term, i) => ({
        term,
        prefix: i === picked.length - 1 && term.length >= 3,
        fuzzy: term.length >= 6 ? 1 : false,
        boost: 1 + Math.floor(rand() * 3),
      }));
      const reject = rand() < 0.5 ? Math.floor(rand() * 5) + 2 : 0;
      const accept = reject ? (ord: number) => ord % reject !== 0 : null;
      const expected = a.search(picked.join(' '), {
        boost: BOOSTS,
        prefix: (t) => terms.find((x) => x.term === t)!.prefix,
        fuzzy: (t) => terms.find((x) => x.term === t)!.fuzzy,
        boostTerm: (t) => terms.find((x) => x.term === t)!.boost,
        ...(accept && { boostDocument: (id: unknown) => (accept(id as number) ? 1 : 0) }),
      });
      const got = scoreTerms(b, terms, { fieldBoosts: BOOSTS, accept });
      const mine = new Map(got.ords.map((ord, i) => [ord, got.scores[i]]));
      expect(mine.size).toBe(got.ords.length);
      expect(mine.size).toBe(expected.length);
      for (const r of expected) expect(mine.get(r.id as number)).toBe(r.score);
      compared += expected.length;
    }
  }
  expect(compared).toBeGreaterThan(1000);
});

it('sees documents added and discarded since its last query', () => {
  const ms = new MiniSearch<{ id: number; title: string }>({ fields: ['title'], storeFields: [] });
  ms.addAll([{ id: 0, title: 'alpha beta' }, { id: 1, title: 'alpha' }]);
  const ords = () => scoreTerms(ms, [{ term: 'alpha', prefix: false, fuzzy: false, boost: 1 }], { fieldBoosts: {} }).ords.sort();
  expect(ords()).toEqual([0, 1]);
  ms.discard(0);
  expect(ords()).toEqual([1]);
  ms.add({ id: 2, title: 'alpha gamma' });
  expect(ords()).toEqual([1, 2]);
});
