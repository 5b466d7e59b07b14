// The best `k` of many items under a total order, without sorting them all: a bounded heap whose root is
// the worst item kept, so each new item costs one comparison with it, and O(log k) only when it is kept.

/** `order(a, b) < 0`: a comes before (is better than) b. */
export type Order<T> = (a: T, b: T) => number;

export class TopK<T> {
  private readonly heap: T[] = [];

  constructor(
    readonly k: number,
    private readonly order: Order<T>,
  ) {}

  /** Items kept. */
  get size(): number {
    return this.heap.length;
  }

  /** Holds k items: a new one must beat `worst` to be kept. */
  get full(): boolean {
    return this.heap.length >= this.k;
  }

  /** The worst item kept (undefined when empty). */
  get worst(): T | undefined {
    return this.heap[0];
  }

  /** Takes the item in if it is among the best k seen so far. */
  push(item: T): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(item);
      this.up(h.length - 1);
    } else if (this.k > 0 && this.order(item, h[0]!) < 0) {
      h[0] = item;
      this.down(0);
    }
  }

  /** The items kept, best first. */
  sorted(): T[] {
    return this.heap.slice().sort(this.order);
  }

  // A max-heap under `order`: every parent comes after (is worse than) its children.
  private up(i: number): void {
    const h = this.heap;
    const item = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.order(h[parent]!, item) >= 0) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = item;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const item = h[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.order(h[child + 1]!, h[child]!) > 0) child++;
      if (this.order(h[child]!, item) <= 0) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = item;
  }
}
