// The steps (activities) the session workflow schedules, with their timeouts and retries. Types only come from
// src/activities: the workflow never runs their code.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

// loadContext only runs in histories from before beginReply (see SESSION_V2_PATCH in ./session).
export const { loadContext, finalize, abandonReply, notifyCancel, publishGivenSources, discardReply } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 },
});

// Steps that call a model: minutes at most, a few retries. They heartbeat while waiting for the model,
// so a dead worker's step is retried elsewhere within seconds.
export const { analyzeIntent, retrieveDocuments, pickDocuments, deepRead, generateTitle, compressHistory } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

// Tool steps: each model step and each tool call is its own activity, so a crash resumes at the
// iteration it was in and finished calls are never repeated. Calls are bounded by the MCP timeouts.
export const { listTools, toolModelStep, callTool } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

// Waiting for a turn's attachments' text: bounded by the server's wait (COCO_ATTACHMENT_WAIT_MS, at most
// 20 minutes) from when the message was sent; heartbeats while it polls, so a dead worker's wait moves on.
export const { readAttachments } = proxyActivities<Activities>({
  startToCloseTimeout: '25 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 5 },
});

// The answer streams for minutes; a heartbeat timeout notices a dead worker quickly so another continues.
// beginReply loads the context and, for a turn with no step before the answer, streams it too.
export const { answer, beginReply } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '6 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 5 },
});
