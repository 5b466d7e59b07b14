// The bounded heap that keeps a page of the best matches (src/retrieval/top-k) against sorting them all.
import { type Order, TopK } from '../../src/retrieval/top-k';

/** A tiny seeded PRNG, so a failure names a reproducible case. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

interface Item {
  key: number;
  id: string;
}

const order: Order<Item> = (a, b) => b.key - a.key || a.id.localeCompare(b.id);

it('keeps exactly the first k of a full sort, best first, on random data with many ties', () => {
  const rand = prng(20260701);
  for (let round = 0; round < 500; round++) {
    const n = Math.floor(rand() * 300);
    const k = Math.floor(rand() * 40);
    // Few distinct keys: ties are decided by the id, as in the engine.
    const distinct = 1 + Math.floor(rand() * 20);
    const items: Item[] = Array.from({ length: n }, (_, i) => ({ key: Math.floor(rand() * distinct) / 7, id: `d${Math.floor(rand() * 1e6)}-${i}` }));
    const heap = new TopK<Item>(k, order);
    for (const it of items) heap.push(it);
    const expected = items.slice().sort(order).slice(0, k);
    expect(heap.size).toBe(Math.min(k, n));
    expect(heap.sorted()).toEqual(expected);
  }
});

it('keeps nothing when k is 0, and reports full and worst', () => {
  const none = new TopK<Item>(0, order);
  none.push({ key: 1, id: 'a' });
  expect(none.sorted()).toEqual([]);
  const two = new TopK<Item>(2, order);
  expect(two.full).toBe(false);
  for (const key of [1, 5, 3, 4]) two.push({ key, id: String(key) });
  expect(two.full).toBe(true);
  expect(two.worst).toEqual({ key: 4, id: '4' });
  expect(two.sorted().map((i) => i.key)).toEqual([5, 4]);
});
