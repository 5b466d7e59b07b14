// Sessions that were running when a new worker version arrives must replay on it. Each fixture is the
// history of a session written by an earlier version of the workflow code; the current code must replay
// it without a determinism error.
// - v1: four turns (title and summary follow-ups, then a close), before the "session-v2" patch (commit 8f01f51).
// - v2: five turns (title, summaries, a deep-think turn through intent, retrieval, picking and answer, a
//   cancelled reply, then a close), written by commit d16d5f2, before the answering step saved the reply
//   itself (its history has a finalize step after each answer).
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

jest.setTimeout(120_000);
Runtime.install({ logger: new DefaultLogger('WARN') }); // the replay worker's state changes are not news here

test.each([
  ['v1', 100],
  ['v2', 150],
])('a session history from %s replays on the current workflow code', async (version, minEvents) => {
  const json = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', `chat-session-${version}.history.json`), 'utf8'));
  const history = historyFromJSON(json);
  expect(history.events?.length).toBeGreaterThan(minEvents);
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../../src/workflows') }, history, `chat-session-${version}`);
});
