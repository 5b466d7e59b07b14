// Sessions that were running when a new worker version arrives must replay on it. The fixture is the
// history of a four-turn session (with title and summary follow-ups, then a close) written by the
// workflow code before the "session-v2" patch (commit 8f01f51); the current code must replay it without
// a determinism error.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

jest.setTimeout(120_000);
Runtime.install({ logger: new DefaultLogger('WARN') }); // the replay worker's state changes are not news here

test('a session history from before session-v2 replays on the current workflow code', async () => {
  const json = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'chat-session-v1.history.json'), 'utf8'));
  const history = historyFromJSON(json);
  expect(history.events?.length).toBeGreaterThan(100);
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, history, 'chat-session-v1');
});
