// Calculator: mathjs in a restricted instance (never eval): functions that could reach outside the
// expression (import, createUnit, evaluate, parse, ...) are disabled inside expressions.
import { ToolError } from '../types';

// mathjs ships CommonJS at runtime but its types are ESM-only; a typed require bridges the two.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { all, create } = require('mathjs') as typeof import('mathjs', { with: { 'resolution-mode': 'import' } });
const math = create(all!);
const evaluate = math.evaluate.bind(math);
const disabled = (name: string) => () => {
  throw new Error(`function ${name} is disabled`);
};
math.import(
  Object.fromEntries(['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'compile', 'reviver', 'resolve'].map((n) => [n, disabled(n)])),
  { override: true },
);

export const calculatorSpec = {
  name: 'calculator',
  description: 'Evaluates a math expression (arithmetic, functions such as sqrt or sin, units such as "5 cm to inch"). Returns the result.',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string', description: 'The expression, e.g. "2 * (3 + 4) ^ 2"' } },
    required: ['expression'],
  },
};

export function calculate(args: { expression?: unknown }): string {
  if (typeof args.expression !== 'string' || !args.expression.trim()) throw new ToolError('expression is required');
  if (args.expression.length > 1000) throw new ToolError('expression is too long');
  try {
    return math.format(evaluate(args.expression), { precision: 14 });
  } catch (err) {
    throw new ToolError(`cannot evaluate: ${(err as Error).message}`);
  }
}
