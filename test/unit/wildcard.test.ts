// Wildcards compile to regexes that match in linear time on both kinds of engine the store may have:
// RE2 (FerretDB) and backtracking PCRE (MongoDB; V8's engine backtracks the same way, so it stands in here).
import { RE2JS } from 're2js';
import { wildcardRegex } from '../../src/search/es-query';

/** A tiny seeded PRNG, so a failure names a reproducible case. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

it('means the same on both engines: the RE2 form and the atomic form agree on random patterns and texts', () => {
  const rand = prng(20261129);
  const pick = (chars: string, n: number) => Array.from({ length: n }, () => chars[Math.floor(rand() * chars.length)]).join('');
  let matched = 0;
  for (let i = 0; i < 3000; i++) {
    const pattern = pick('ab*?.', 1 + Math.floor(rand() * 7));
    const text = pick('ab.', Math.floor(rand() * 10));
    const re2 = RE2JS.compile(wildcardRegex(pattern, 're2')).matcher(text).find();
    const atomic = new RegExp(wildcardRegex(pattern, 'backtracking')).test(text);
    expect({ pattern, text, atomic }).toEqual({ pattern, text, atomic: re2 });
    if (re2) matched++;
  }
  // Both outcomes occur often enough to mean something.
  expect(matched).toBeGreaterThan(300);
  expect(matched).toBeLessThan(2700);
});

it('keeps a backtracking engine linear (ten `*a` on 40 characters and on 10,000)', () => {
  const pattern = '*a'.repeat(10);
  const text = `${'a'.repeat(39)}b`;
  const atomic = new RegExp(wildcardRegex(pattern, 'backtracking'));
  const started = performance.now();
  expect(atomic.test(text)).toBe(false);
  expect(atomic.test('a'.repeat(40))).toBe(true);
  expect(atomic.test(`${'xa'.repeat(5000)}b`)).toBe(false);
  // Exponential would be minutes here; linear is well under a millisecond per test. A loose bound only.
  expect(performance.now() - started).toBeLessThan(1000);
});

it('escapes everything but * and ?', () => {
  expect(wildcardRegex('a.b(c)*', 're2')).toBe('^a\\.b\\(c\\).*$');
  expect(wildcardRegex('a*b*c', 'backtracking')).toBe('^a(?=(.*?b))\\1.*c$');
  expect(wildcardRegex('plain', 'backtracking')).toBe('^plain$');
});
