import { execFile } from 'node:child_process';
import path from 'node:path';

// The lint rule that keeps I/O out of workflow code (eslint.config.mjs) must really fire.
const root = path.resolve(__dirname, '..', '..');

// ESLint runs in its own process: its config loader needs dynamic import, which jest's VM lacks.
function lintAsWorkflow(code: string): Promise<Array<{ ruleId: string }>> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      path.join(root, 'node_modules', '.bin', 'eslint'),
      ['--stdin', '--stdin-filename', 'src/workflows/probe.ts', '--format', 'json'],
      { cwd: root },
      (err, stdout) => {
        try {
          const [result] = JSON.parse(stdout) as Array<{ messages: Array<{ ruleId: string }> }>;
          resolve(result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports'));
        } catch {
          reject(err ?? new Error(`eslint printed no JSON: ${stdout}`));
        }
      },
    );
    child.stdin!.end(code);
  });
}

describe('workflow import rule', () => {
  it('refuses Node builtins, database and network clients in src/workflows', async () => {
    for (const mod of ['node:fs', 'fs', 'mongoose', 'redis', 'openai', '../activities', '../infra/redis']) {
      const messages = await lintAsWorkflow(`import * as x from '${mod}';\nexport const y = x;\n`);
      expect({ mod, count: messages.length }).toEqual({ mod, count: 1 });
    }
  }, 60_000);

  it('allows @temporalio/workflow, shared code and type-only imports of activities', async () => {
    const code = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import type { Activities } from '../activities';",
      "import { newId } from '../shared/ids';",
      'export const a = proxyActivities<Activities>({ startToCloseTimeout: 1000 });',
      'export const b = newId;',
      '',
    ].join('\n');
    expect(await lintAsWorkflow(code)).toEqual([]);
  }, 60_000);
});
