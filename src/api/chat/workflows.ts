// The API's side of the session workflows (src/workflows): sending a turn (starting the workflow when none
// runs), and the signals that cancel, close or take back a turn. Nothing here waits longer than the
// admission bound: with no worker running, an update would wait for one forever.
import { ApplicationFailure, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { Temporal } from '../../infra/temporal';
import { ChatSessionInput, ReplyRef, Turn, workflowIdForSession } from '../../shared/chat';
import { SESSION_CLOSED } from '../../shared/failures';
import {
  ASSISTANT_ID_ATTRIBUTE,
  cancelSignal,
  CHAT_SESSION_WORKFLOW,
  closeSignal,
  SESSION_ID_ATTRIBUTE,
  sendMessageUpdate,
  withdrawSignal,
} from '../../workflows/definitions';
import { HttpError } from '../errors';

export interface SessionWorkflowOptions {
  taskQueue: string;
  turnsPerRun: number;
  continueQuietMs: number;
  forceContinueEvents: number;
  /** How long a send waits for a worker to take the turn. */
  admissionMs: number;
}

class NoWorkerError extends HttpError {
  constructor(ms: number) {
    super(503, `no worker took the turn within ${ms / 1000}s: the chat workers may be down; the message was not sent`);
  }
}

/** The workflow refused the turn because the session is closing (its failure type, set by the workflow). */
function refusedAsClosing(err: unknown): boolean {
  return err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === SESSION_CLOSED;
}

export class SessionWorkflows {
  constructor(
    private readonly temporal: Temporal,
    private readonly opts: SessionWorkflowOptions,
  ) {}

  private handle(sessionId: string) {
    return this.temporal.client.workflow.getHandle(workflowIdForSession(sessionId));
  }

  /**
   * Hands the turn to the session's workflow, starting one when none runs (idle-expired, closed, new).
   * Resolves once the workflow has accepted it; 503 when no worker took it within the admission bound.
   */
  async send(turn: Turn, keepaliveMs: number, newSession: boolean, retried = false): Promise<void> {
    const input: ChatSessionInput = {
      sessionId: turn.sessionId,
      ownerId: turn.ownerId,
      keepaliveMs,
      turnsPerRun: this.opts.turnsPerRun,
      continueQuietMs: this.opts.continueQuietMs,
      forceContinueEvents: this.opts.forceContinueEvents,
      assistantId: turn.assistantId,
      // A session created with this turn has no earlier messages: its history needs no query.
      ...(newSession && { conversation: { entries: [], summary: '', complete: true } }),
    };
    const startWorkflowOperation = new WithStartWorkflowOperation(CHAT_SESSION_WORKFLOW, {
      workflowId: workflowIdForSession(turn.sessionId),
      taskQueue: this.opts.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: SESSION_ID_ATTRIBUTE, value: turn.sessionId },
        { key: ASSISTANT_ID_ATTRIBUTE, value: turn.assistantId },
      ],
    });
    try {
      // Bounded: the workflow's validator refuses the turn if a worker delivers it after this.
      await this.temporal.connection.withDeadline(turn.sentAt! + this.opts.admissionMs, async () => {
        // Most sends go to a running session: a plain update is a little quicker than update-with-start.
        if (newSession || !(await this.updateRunning(turn))) {
          await this.temporal.client.workflow.executeUpdateWithStart(sendMessageUpdate, { args: [turn], startWorkflowOperation });
        }
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new NoWorkerError(this.opts.admissionMs);
      // A session that is still closing refuses turns; once its run completes, the next one starts fresh.
      if (!retried && refusedAsClosing(err)) {
        await this.handle(turn.sessionId).result().catch(() => undefined);
        return this.send(turn, keepaliveMs, newSession, true);
      }
      throw err;
    }
  }

  /** Sends the turn to the session's running workflow; false when none is running (idle, closed or new). */
  private async updateRunning(turn: Turn): Promise<boolean> {
    try {
      await this.handle(turn.sessionId).executeUpdate(sendMessageUpdate, { args: [turn] });
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** The durable half of a cancel (the Redis notice is the fast one). Fine when nothing runs. */
  async cancel(sessionId: string, messageId?: string): Promise<void> {
    await this.handle(sessionId).signal(cancelSignal, { messageId }).catch(() => undefined);
  }

  /** Completes the session's workflow once its current turn is over. Fine when none runs. */
  async close(sessionId: string): Promise<void> {
    await this.handle(sessionId).signal(closeSignal).catch(() => undefined);
  }

  /** Takes back a turn the workflow took: it stops and leaves nothing of it. */
  async withdraw(ref: ReplyRef): Promise<void> {
    await this.handle(ref.sessionId).signal(withdrawSignal, ref);
  }
}
