// Small statistics and formatting helpers for the benchmarks.

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Nearest-rank percentile (p in 0..100) of an unsorted sample. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);

/**
 * A 95% percentile-bootstrap interval of stat(a) − stat(b): how far the difference of two samples' statistic
 * could move by chance alone. Resamples with a fixed seed, so a run prints the same interval for the same data.
 */
export function bootstrapDiff(a: number[], b: number[], stat: (v: number[]) => number, rounds = 2000): { low: number; high: number } {
  let seed = 0x9e3779b9;
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const resample = (v: number[]) => Array.from(v, () => v[Math.floor(random() * v.length)]!);
  const diffs = Array.from({ length: rounds }, () => stat(resample(a)) - stat(resample(b))).sort((x, y) => x - y);
  return { low: diffs[Math.floor(rounds * 0.025)]!, high: diffs[Math.ceil(rounds * 0.975) - 1]! };
}

export function summarize(values: number[]): Summary {
  return { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99), mean: mean(values) };
}

/** ours / base; below 0.01 with three significant digits (a two-decimal 0.00x says nothing). */
export const ratio = (ours: number, base: number) =>
  Number.isFinite(ours) && Number.isFinite(base) && base > 0 ? `${ours / base < 0.01 ? (ours / base).toPrecision(3) : (ours / base).toFixed(2)}x` : 'n/a';

export const fmtSummary = (s: Summary) => `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms (n=${s.n})`;

/** A plain text table: the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
