// Starts the parse workflow of each uploaded file (src/workflows/attachment-parse.ts): a worker reads its
// text in a durable step, so a crash mid-parse is retried elsewhere.
import type { Temporal } from '../../../infra/temporal';
import { PARSE_ATTACHMENT_WORKFLOW, workflowIdForAttachment } from '../../../workflows/definitions';

/** How long starting the parses may take: one RPC each; past this Temporal is not answering. */
const START_BOUND_MS = 10_000;

export class AttachmentParsing {
  constructor(
    private readonly temporal: Temporal,
    private readonly taskQueue: string,
  ) {}

  async start(ids: string[]): Promise<void> {
    await this.temporal.connection.withDeadline(Date.now() + START_BOUND_MS, () =>
      Promise.all(ids.map((id) => this.temporal.client.workflow.start(PARSE_ATTACHMENT_WORKFLOW, { workflowId: workflowIdForAttachment(id), taskQueue: this.taskQueue, args: [id] }))),
    );
  }
}
