// One uploaded file's text extraction, started at upload. A workflow only so the step is durable: a worker
// that dies mid-parse stops heartbeating, and Temporal runs the step again on another worker. The step
// records failures it understands (a corrupt file) itself; if it still fails after its retries (the
// database down throughout), the file is marked failed here so no turn waits for it.
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { errorText } from './ending';

const { extractAttachment } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 5 },
});

const { markAttachmentFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

export async function parseAttachment(attachmentId: string): Promise<void> {
  try {
    await extractAttachment(attachmentId);
  } catch (err) {
    log.error('the attachment could not be parsed', { attachmentId, error: errorText(err) });
    await markAttachmentFailed(attachmentId, errorText(err));
  }
}
