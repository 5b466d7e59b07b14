// Bounded concurrency over a list, for store writes and reads the embedded store serves fastest one
// statement at a time (FerretDB runs `$in` and many-statement writes far slower than single ones).

/** Runs `fn` for every item, at most `limit` at once; resolves when all are done (rejects on the first failure). */
export async function forEachAtOnce<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
