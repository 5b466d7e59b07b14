import { SeamFilter } from '../../src/activities/continuation';

/** Feeds `continuation` to a filter over `sent` in pieces of `step` characters, as a stream would. */
function through(sent: string, continuation: string, step = 3): string {
  const f = new SeamFilter(sent);
  let out = '';
  for (let i = 0; i < continuation.length; i += step) out += f.push(continuation.slice(i, i + step));
  return out + f.end();
}

const sent = 'Durable execution keeps state. Each step is recorded. A crash resumes at the step';

describe('seam check', () => {
  it('passes an exact continuation through unchanged', () => {
    expect(through(sent, ' where it stopped, never at the start.')).toBe(' where it stopped, never at the start.');
  });

  it('drops the last sentence a model repeats, whitespace aside', () => {
    expect(through(sent, ' A crash resumes  at the\nstep where it stopped.')).toBe(' where it stopped.');
    expect(through(sent, 'A crash resumes at the step where it stopped.', 1)).toBe(' where it stopped.');
  });

  it('drops a restart of the sentence the text was cut in, however short', () => {
    expect(through('It ends here. Sentence', ' Sentence 3 goes on.')).toBe(' 3 goes on.');
    expect(through('It ends here.\nThe', ' The end.', 1)).toBe(' end.');
    // The same short words, not starting that sentence again: kept.
    expect(through('It ends here. A crash', ' crash report follows.')).toBe(' crash report follows.');
  });

  it('drops a whole restart of the answer', () => {
    expect(through(sent, `${sent} where it stopped.`, 7)).toBe(' where it stopped.');
  });

  it('keeps words that only look like the end of what was sent', () => {
    // "the step" is short: the model's own words, not a repeat.
    expect(through(sent, ' the steps that follow are replayed.')).toBe(' the steps that follow are replayed.');
    // A longer match that ends inside a word of the continuation is no repeat either.
    expect(through('We measured resumes at the', ' resumes at thefts? no: at the end.')).toBe(' resumes at thefts? no: at the end.');
  });

  it('holds back only while a repeat may still be under way', () => {
    const f = new SeamFilter(sent);
    expect(f.push(' Zebra')).toBe(' Zebra'); // no suffix of the sent text starts with Z
    const g = new SeamFilter(sent);
    expect(g.push(' A crash')).toBe(''); // could be the start of a repeat
    expect(g.push(' happened')).toBe(' A crash happened'); // it is not
    expect(g.end()).toBe('');
  });

  it('with little sent, drops only a restart of it', () => {
    expect(through('Short', 'Short and more')).toBe(' and more');
    expect(through('Hi. Ok', ' fine, thanks')).toBe(' fine, thanks');
  });
});
