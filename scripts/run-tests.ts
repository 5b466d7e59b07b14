// `npm test` (after lint and typecheck): starts a throw-away test stack (Temporal in memory, FerretDB on
// a fresh PostgreSQL dir, a Redis of its own without persistence), runs jest against it, stops the stack, and prints a closing
// "N passed, N failed" line. MONGODB_URI / TEMPORAL_ADDRESS point the tests at external services instead.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { generatePayloadKey } from '../src/infra/payload-codec';
import { stackOptionsFor } from './lib/embedded';
import { scratchDataDir } from './lib/postgres';
import { startStack } from './lib/stack';

const root = path.resolve(__dirname, '..');
const log = (line: string) => process.stdout.write(`[test-stack] ${line}\n`);

async function main(): Promise<number> {
  const started = Date.now();
  // One directory per run, so parallel runs (on other ports) do not share files.
  const dataDir = scratchDataDir(path.join(root, '.data', `test-${process.pid}`));
  const testEnv: NodeJS.ProcessEnv = {
    ...process.env,
    COCO_DATA_DIR: dataDir,
    COCO_FERRETDB_PORT: process.env.COCO_TEST_FERRETDB_PORT ?? '37017',
    COCO_TEMPORAL_PORT: process.env.COCO_TEST_TEMPORAL_PORT ?? '17233',
    COCO_REDIS_PORT: process.env.COCO_TEST_REDIS_PORT ?? '16379',
    COCO_POSTGRES_PORT: process.env.COCO_TEST_POSTGRES_PORT ?? '15490',
    // A throw-away key per run for the payload codec (Temporal keeps nothing of a test run).
    COCO_PAYLOAD_KEY: process.env.COCO_PAYLOAD_KEY ?? generatePayloadKey(),
  };
  const config = loadConfig(testEnv);
  const stack = await startStack(stackOptionsFor(config, log, { persistent: false, ui: false }));
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s (MongoDB ${config.mongo.uri}, Temporal ${config.temporal.address})`);

  const jestBin = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
  const jestEnv = { ...testEnv, COCO_TEST_MONGODB_URI: config.mongo.uri, TEMPORAL_ADDRESS: config.temporal.address, REDIS_URL: config.redis.url, COCO_TEST_STACK: '1' };
  const args = process.argv.slice(2);
  // The fault-injection tests (test/chaos) time stalls and failovers on processes of their own: they run
  // after the rest, one file at a time, so the other suites' load does not stretch what they measure.
  const phases = args.length > 0 ? [args] : [['--testPathIgnorePatterns', '/test/chaos/'], ['--runInBand', 'test/chaos']];
  const totals = { passed: 0, failed: 0, skipped: 0 };
  let code = 0;
  for (const [i, phaseArgs] of phases.entries()) {
    const results = path.join(os.tmpdir(), `coco-jest-${process.pid}-${i}.json`);
    const phaseCode = await runJest(jestBin, ['--json', `--outputFile=${results}`, ...phaseArgs], jestEnv);
    code ||= phaseCode;
    try {
      const r = JSON.parse(fs.readFileSync(results, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number };
      fs.rmSync(results, { force: true });
      totals.passed += r.numPassedTests;
      totals.failed += r.numFailedTests;
      totals.skipped += r.numPendingTests;
    } catch {
      process.stdout.write('\njest wrote no results\n');
      code ||= 1;
    }
  }
  await stack.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  log(`total ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return code;
}

function runJest(jestBin: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [jestBin, ...args], { cwd: root, stdio: 'inherit', env });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (c, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(c ?? (signal ? 1 : 0));
    });
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`[test-stack] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
