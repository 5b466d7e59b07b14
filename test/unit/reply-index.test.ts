import { decodeSpans, encodeSpans, Span, textAfter } from '../../src/shared/reply-index';

describe('reply index', () => {
  const spans: Span[] = [[3, 5], [4, 1], [5, 4], [9, 2], [10, 3]];
  const message = 'Hello world, hi'; // the chunks: 'Hello', ' ', 'worl', 'd,', ' hi'

  it('round-trips runs of consecutive seqs compactly', () => {
    expect(encodeSpans(spans)).toBe('3+5,1,4;9+2,3');
    expect(decodeSpans(encodeSpans(spans))).toEqual(spans);
    expect(decodeSpans('')).toEqual([]);
  });

  it('gives the text after any cursor, with the seq of its last piece', () => {
    const index = encodeSpans(spans);
    expect(textAfter(message, index, 0)).toEqual({ rest: message, lastSeq: 10 });
    expect(textAfter(message, index, 3)).toEqual({ rest: message.slice(5), lastSeq: 10 });
    expect(textAfter(message, index, 7)).toEqual({ rest: message.slice(10), lastSeq: 10 });
    expect(textAfter(message, index, 10)).toEqual({ rest: '', lastSeq: 10 });
  });

  it('refuses an index that does not cover the message', () => {
    expect(textAfter('something else entirely', encodeSpans(spans), 0)).toBeUndefined();
  });
});
