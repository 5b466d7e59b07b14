// Where a saved reply's text came from in its stream: the seq and length of each answer chunk, kept with
// the saved message, so a resume after the reply's log expired can send exactly the text after any
// cursor. Stored compactly: runs of consecutive seqs as "<first seq>+<len>,<len>,…", runs joined by ";"
// (a plain answer is one run of its chunk lengths).

/** [seq, length in UTF-16 code units] of an answer chunk, in seq order. */
export type Span = [number, number];

export function encodeSpans(spans: Span[]): string {
  const runs: string[] = [];
  let run: number[] = [];
  let first = 0;
  let next = -1;
  for (const [seq, len] of spans) {
    if (seq !== next) {
      if (run.length) runs.push(`${first}+${run.join(',')}`);
      run = [];
      first = seq;
    }
    run.push(len);
    next = seq + 1;
  }
  if (run.length) runs.push(`${first}+${run.join(',')}`);
  return runs.join(';');
}

export function decodeSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const run of text ? text.split(';') : []) {
    const [first, lengths] = run.split('+');
    let seq = Number(first);
    for (const len of (lengths ?? '').split(',')) spans.push([seq++, Number(len)]);
  }
  return spans;
}

/**
 * The text a client that has every chunk up to `afterSeq` has not seen yet, and the seq of its last piece.
 * Undefined when the index does not cover the text (the saved message is then served whole).
 */
export function textAfter(message: string, index: string, afterSeq: number): { rest: string; lastSeq: number } | undefined {
  const spans = decodeSpans(index);
  if (spans.reduce((n, [, len]) => n + len, 0) !== message.length) return undefined;
  const seen = spans.filter(([seq]) => seq <= afterSeq).reduce((n, [, len]) => n + len, 0);
  return { rest: message.slice(seen), lastSeq: spans.at(-1)?.[0] ?? 0 };
}
