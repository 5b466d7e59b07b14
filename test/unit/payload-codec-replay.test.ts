// Histories written before the payload codec (test/fixtures: clear payloads) replay on the current
// workflow code through the codec-enabled data converter the worker uses; so does the same history with
// its later payloads encrypted, as a session that ran across the upgrade has it.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { payloadDataConverter } from '../../src/infra/temporal';
import { AesGcmPayloadCodec } from '../../src/infra/payload-codec';

jest.setTimeout(120_000);
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // installed already
}

const keySpec = `replay:${randomBytes(32).toString('base64')}`;
const { dataConverter, codec } = payloadDataConverter({ key: keySpec, oldKeys: [], keyFile: '/nonexistent' });

const load = (version: string) => historyFromJSON(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', `chat-session-${version}.history.json`), 'utf8')));

const isPayload = (v: any): v is Payload => v && typeof v === 'object' && v.metadata && typeof v.metadata === 'object' && v.data instanceof Uint8Array;

/** Encrypts every payload under `node` in place; returns how many. */
function encryptAll(node: any, c: AesGcmPayloadCodec): number {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(node)) {
    if (isPayload(v)) {
      node[k] = c.encrypt(v);
      n++;
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (isPayload(item)) {
          v[i] = c.encrypt(item);
          n++;
        } else n += encryptAll(item, c);
      });
    } else n += encryptAll(v, c);
  }
  return n;
}

test.each(['v1', 'v2'])('the %s fixture (clear payloads) replays through the codec-enabled data converter', async (version) => {
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows'), dataConverter }, load(version), `codec-${version}`);
});

test.each(['v1', 'v2'])('the %s fixture with its second half encrypted (a session across the upgrade) replays too', async (version) => {
  const history = load(version);
  const events = history.events!;
  const half = Math.floor(events.length / 2);
  let encrypted = 0;
  for (const e of events.slice(half)) encrypted += encryptAll(e, codec);
  expect(encrypted).toBeGreaterThan(10);
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows'), dataConverter }, history, `codec-mixed-${version}`);
  // Without the key it cannot: the replay fails, it does not pass on garbage. (Its reason, "key \"replay\" is
  // not configured", is itself a failure message, so it is encoded and encrypted like the rest.)
  const other = payloadDataConverter({ key: `other:${randomBytes(32).toString('base64')}`, oldKeys: [], keyFile: '/nonexistent' }).dataConverter;
  await expect(Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows'), dataConverter: other }, history, `codec-wrong-${version}`)).rejects.toThrow(/Replay failed due workflow task failure.*Encoded failure/);
});
