import { describeJsonError } from '../../src/api/middleware/body';

function reasonFor(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return describeJsonError(text, err as Error);
  }
  throw new Error('expected a parse error');
}

describe('malformed JSON reasons', () => {
  it('name the line, column and the text near the break', () => {
    const text = '{\n"a": 1,\n"wikipedia: false,\n"b": 2\n}';
    const reason = reasonFor(text);
    expect(reason).toMatch(/^malformed JSON body at line 3, column \d+: /);
    expect(reason).toContain('is a closing quote missing?');
    expect(reason).toContain('near: "wikipedia: false,');
  });

  it('handle a truncated body', () => {
    expect(reasonFor('{"a": [1, 2')).toMatch(/^malformed JSON body/);
  });
});
