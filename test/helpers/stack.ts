// Test access to the stack started by scripts/run-tests.ts (npm test).
import { randomBytes } from 'node:crypto';
import { Config, loadConfig } from '../../src/config';

export function requireTestStack(): void {
  if (!process.env.COCO_TEST_STACK) {
    throw new Error('integration tests need the test stack: run them through `npm test` (e.g. `npm test -- test/integration/x.test.ts`)');
  }
}

/** A unique database per test suite, so suites can run in parallel and leave nothing behind. */
export function testMongoUri(label: string): string {
  requireTestStack();
  const base = new URL(process.env.COCO_TEST_MONGODB_URI as string);
  base.pathname = `/t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(3).toString('hex')}`;
  return base.toString();
}

export function testConfig(label: string, env: Record<string, string | undefined> = {}): Readonly<Config> {
  return loadConfig({
    ...process.env,
    MONGODB_URI: testMongoUri(label),
    COCO_API_PORT: '0',
    COCO_WS_PORT: '0',
    LOG_LEVEL: 'silent',
    COCO_LLM_BASE_URL: undefined,
    COCO_LLM_MODEL: undefined,
    COCO_LLM_API_KEY: undefined,
    ...env,
  });
}
