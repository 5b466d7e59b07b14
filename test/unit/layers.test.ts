// The layer rule (.dependency-cruiser.cjs, run by `npm test` as `npm run layers`) must really fire: probe
// trees with one wrong import each are cruised with the project's own configuration.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const bin = path.join(root, 'node_modules', '.bin', 'depcruise');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Writes `files` (path → source) into a fresh tree and cruises its src/ with the project's rules. */
function cruise(files: Record<string, string>): Promise<Violation[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coco-layers-'));
  fs.copyFileSync(path.join(root, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  for (const [file, code] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), code);
  }
  return new Promise((resolve, reject) => {
    execFile(bin, ['src', '--config', path.join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd: dir }, (err, stdout) => {
      fs.rmSync(dir, { recursive: true, force: true });
      try {
        resolve((JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations);
      } catch {
        reject(err ?? new Error(`depcruise printed no JSON: ${stdout}`));
      }
    });
  });
}

const leaf = 'export const x = 1;\n';
const uses = (from: string) => `import { x } from '${from}';\nexport const y = x;\n`;
const edges = (v: Violation[]) => v.map((x) => `${x.rule.name}: ${x.from} → ${x.to}`);

describe('layer rule', () => {
  jest.setTimeout(60_000);

  it('refuses imports that go up a layer or sideways into src/api', async () => {
    const v = await cruise({
      'src/api/app.ts': leaf,
      'src/activities/probe.ts': uses('../api/app'),
      'src/domain/probe.ts': uses('../api/app'),
      'src/retrieval/probe.ts': uses('../activities/probe'),
      'src/models/probe.ts': uses('../domain/probe'),
    });
    expect(edges(v).sort()).toEqual([
      'not-in-allowed: src/activities/probe.ts → src/api/app.ts',
      'not-in-allowed: src/domain/probe.ts → src/api/app.ts',
      'not-in-allowed: src/models/probe.ts → src/domain/probe.ts',
      'not-in-allowed: src/retrieval/probe.ts → src/activities/probe.ts',
    ]);
  });

  it('lets workflows name activity types but not import their code', async () => {
    const v = await cruise({
      'src/activities/index.ts': 'export type Activities = { a(): Promise<void> };\nexport const code = 1;\n',
      'src/workflows/typed.ts': "import type { Activities } from '../activities';\nexport type A = Activities;\n",
      'src/workflows/probe.ts': "import { code } from '../activities';\nexport const c = code;\n",
    });
    expect(edges(v)).toEqual(['not-in-allowed: src/workflows/probe.ts → src/activities/index.ts']);
  });

  it('refuses cycles and imports from folders that are no layer, and allows the downward imports', async () => {
    const v = await cruise({
      'src/domain/a.ts': "import { b } from './b';\nexport const a = b;\n",
      'src/domain/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      'src/shared/ids.ts': leaf,
      'src/misc/probe.ts': uses('../shared/ids'),
      'src/api/app.ts': uses('../shared/ids'),
      'src/server.ts': uses('./api/app'),
    });
    // One report per cycle, at the edge where it closes.
    expect(edges(v).filter((e) => e.startsWith('no-cycles'))).toEqual([expect.stringMatching(/^no-cycles: src\/domain\/(a|b)\.ts → src\/domain\/(b|a)\.ts$/)]);
    expect(edges(v).filter((e) => !e.startsWith('no-cycles'))).toEqual(['not-in-allowed: src/misc/probe.ts → src/shared/ids.ts']);
  });
});
