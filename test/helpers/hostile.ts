// Building blocks of the hostile-input suite (test/integration/hostile-input.test.ts) and its bench
// (bench/hostile-search.ts): a seeded PRNG, JSON text that JSON.stringify cannot write (1e309, -0,
// `__proto__` keys, lone surrogates, invalid UTF-8), deep nesting, and the worst search patterns.

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p: number) => next() < p,
  };
}
export type Prng = ReturnType<typeof prng>;

/** A piece of JSON text written as is (numbers JSON.stringify cannot write, duplicate or special keys). */
export class Raw {
  constructor(readonly text: string) {}
}
export const raw = (text: string) => new Raw(text);

/** JSON text of a value that may hold Raw pieces; keys are written as given (so `__proto__` stays a key). */
export function jsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `{"__proto__": v}` as JSON text (an object literal would set the prototype instead of a key). */
export const protoKey = (v: unknown) => raw(`{"__proto__":${jsonText(v)},"constructor":{"prototype":${jsonText(v)}}}`);

/** `levels` nested arrays (or objects) as JSON text. */
export function nested(levels: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array' ? `${'['.repeat(levels)}${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

export const TEN_KB = 'x'.repeat(10 * 1024);

/** Values that go where a string, number, boolean, object or array is expected. */
export const HOSTILE_VALUES: readonly unknown[] = [
  raw('1e309'),
  raw('-1e309'),
  raw('-0'),
  raw('1e-400'),
  raw('9007199254740993'),
  'NaN',
  'Infinity',
  -1,
  1e9,
  1.5,
  0,
  '',
  ' ',
  TEN_KB,
  '\u0000',
  'a\u0000b',
  '$where',
  '$$ROOT',
  'sleep(2000)||true',
  '../../x',
  '%00',
  '\u202e\u{1f4a9}\u0301',
  raw('"\\ud800"'),
  raw('"\\udfff\\ud800x"'),
  [],
  [1, 2, 3],
  [[[[]]]],
  Array.from({ length: 1000 }, (_, i) => `v${i}`),
  {},
  { $gt: '' },
  { $where: 'sleep(2000)||true' },
  { $ne: null },
  { a: { b: { c: {} } } },
  raw('{"__proto__":{"admin":true}}'),
  raw('{"constructor":{"prototype":{"polluted":1}}}'),
  null,
  true,
  false,
];

/** Whole bodies (JSON text, or bytes) that are hostile in themselves. */
export function hostileBodies(): Array<{ label: string; body: string | Uint8Array | undefined }> {
  return [
    { label: 'no body', body: undefined },
    { label: 'empty', body: '' },
    { label: 'null', body: 'null' },
    { label: 'array', body: '[]' },
    { label: 'array of objects', body: '[{"name":"x"}]' },
    { label: 'string', body: '"hello"' },
    { label: 'number 1e309', body: '1e309' },
    { label: 'malformed', body: '{"name": "x",' },
    { label: 'trailing garbage', body: '{"name":"x"} {"name":"y"}' },
    { label: 'proto keys', body: jsonText(protoKey({ admin: true, roles: ['admin'] })) },
    { label: 'duplicate keys', body: '{"name":"a","name":{"$gt":""}}' },
    { label: 'NUL in key', body: '{"na\\u0000me":"x"}' },
    { label: 'invalid UTF-8', body: Uint8Array.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x22, 0x7d]) },
    { label: 'UTF-8 BOM', body: Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]) },
    { label: 'nested 60 (under the limit)', body: nested(60, 'object') },
    { label: 'nested 100 arrays', body: nested(100) },
    { label: 'nested 100 objects', body: nested(100, 'object') },
    { label: 'nested 10,000 arrays', body: nested(10_000) },
    { label: 'nested 10,000 objects', body: nested(10_000, 'object') },
    { label: 'brackets in strings', body: `{"name":"${'['.repeat(5000)}"}` },
    { label: 'many keys', body: jsonText(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))) },
  ];
}

/** Ten `*a` segments: a backtracking engine takes seconds on a 40-character string that does not match. */
export const wildcardPattern = (segments: number) => '*a'.repeat(segments);

/** The same wildcard as the search DSL compiles it (src/search/es-query.ts), as a RegExp source. */
export function wildcardRegex(pattern: string): string {
  return `^${pattern
    .replace(/\*+/g, '*')
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('')}$`;
}
