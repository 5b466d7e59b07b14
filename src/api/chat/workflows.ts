// The API's side of the session workflows (src/workflows): sending a turn (starting the workflow when none
// runs), and the signals that cancel, close or take back a turn. Nothing here waits longer than the
// admission bound: with no worker running, an update would wait for one forever. A workflow starts with a
// summary and details for the Temporal UI (what the chat is, whose, with which assistant; links to it).
import { ApplicationFailure, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { Temporal } from '../../infra/temporal';
import { type TraceContext, withTrace } from '../../infra/tracing';
import { ChatSessionInput, ReplyRef, Turn, workflowIdForSession } from '../../shared/chat';
import { escapeMarkdown, oneLine } from '../../shared/text';
import { SESSION_CLOSED } from '../../shared/failures';
import {
  ASSISTANT_ID_ATTRIBUTE,
  cancelSignal,
  CHAT_SESSION_WORKFLOW,
  closeSignal,
  SESSION_ID_ATTRIBUTE,
  sendMessageUpdate,
  SUMMARY_ATTRIBUTE,
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
  /** The admin UI's address, for the session's links in the Temporal UI. */
  publicUrl: string;
  /** The Temporal UI may show message text (a title, first words): COCO_UI_SUMMARY_TEXT. */
  uiText: boolean;
}

/** What the Temporal UI says of a session: names, ids and (when allowed) its title. No secrets. */
export interface SessionLabels {
  /** The session's title (else the turn's first words stand for it). */
  title?: string;
  assistantName: string;
  /** The answering model: `<provider id> · <model name>`. */
  provider?: string;
  model?: string;
  username: string;
}


/**
 * `<assistant name> · <username>`: the CocoSummary search attribute, the workflow list's column. Text-free
 * whatever COCO_UI_SUMMARY_TEXT says (no title, no message words): search attributes are stored in the clear
 * in the visibility store, not encrypted by the codec as the static summary and details are.
 */
export function sessionListSummary(labels: SessionLabels): string {
  return `${oneLine(labels.assistantName, 40)} · ${oneLine(labels.username, 40)}`;
}

/** The workflow's static summary (one line, in the workflow list) and details (markdown, on its page). */
export function sessionMetadata(turn: Turn, labels: SessionLabels, opts: Pick<SessionWorkflowOptions, 'publicUrl' | 'uiText'>): { staticSummary: string; staticDetails: string } {
  const named = sessionListSummary(labels);
  // A session's default title is its first message cut at 50 characters: the message reads better.
  const title = labels.title?.trim();
  const what = opts.uiText ? oneLine(title && !turn.text.startsWith(title) ? title : turn.text, 60) : undefined;
  const base = opts.publicUrl.replace(/\/+$/, '');
  const id = encodeURIComponent(turn.sessionId);
  const model = labels.model ? `${labels.provider ? `${escapeMarkdown(labels.provider)} · ` : ''}${escapeMarkdown(labels.model)}` : 'none';
  return {
    staticSummary: what ? `${what} · ${named}` : `chat · ${named}`,
    staticDetails: [
      `**Assistant**: ${escapeMarkdown(oneLine(labels.assistantName, 80))} (\`${turn.assistantId}\`)`,
      `**Model**: ${model}`,
      `**User**: ${escapeMarkdown(oneLine(labels.username, 80))} (\`${turn.ownerId}\`)`,
      `**Session**: \`${turn.sessionId}\` · [admin UI](${base}/#/playground?session=${id}) · API: [\`GET /chat/${id}/_history\`](${base}/chat/${id}/_history)`,
    ].join('\n\n'),
  };
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
  async send(given: Turn, keepaliveMs: number, newSession: boolean, labels: SessionLabels, trace?: TraceContext, retried = false): Promise<void> {
    // What the workflow's details and step summaries may say of the turn.
    const turn: Turn = { ...given, ui: { text: this.opts.uiText, ...(labels.model && { model: labels.model }) } };
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
        // Names only, in the clear (see sessionListSummary). A Temporal without CocoSummary registered refuses the start.
        { key: SUMMARY_ATTRIBUTE, value: sessionListSummary(labels) },
      ],
      // Only a new run gets them; a running one keeps its own (continue-as-new carries the search attributes on).
      ...sessionMetadata(turn, labels, this.opts),
    });
    try {
      // Bounded: the workflow's validator refuses the turn if a worker delivers it after this.
      await this.temporal.connection.withDeadline(turn.sentAt! + this.opts.admissionMs, async () => {
        // Most sends go to a running session: a plain update is a little quicker than update-with-start.
        // Each call continues the request's trace (its update span is a child of the HTTP span).
        if (newSession || !(await this.updateRunning(turn, trace))) {
          await withTrace(trace, () => this.temporal.client.workflow.executeUpdateWithStart(sendMessageUpdate, { args: [turn], startWorkflowOperation }));
        }
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw new NoWorkerError(this.opts.admissionMs);
      // A session that is still closing refuses turns; once its run completes, the next one starts fresh.
      if (!retried && refusedAsClosing(err)) {
        await this.handle(turn.sessionId).result().catch(() => undefined);
        return this.send(given, keepaliveMs, newSession, labels, trace, true);
      }
      throw err;
    }
  }

  /** Sends the turn to the session's running workflow; false when none is running (idle, closed or new). */
  private async updateRunning(turn: Turn, trace: TraceContext | undefined): Promise<boolean> {
    try {
      await withTrace(trace, () => this.handle(turn.sessionId).executeUpdate(sendMessageUpdate, { args: [turn] }));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** The durable half of a cancel (the Redis notice is the fast one). Fine when nothing runs. */
  async cancel(sessionId: string, messageId?: string, trace?: TraceContext): Promise<void> {
    await withTrace(trace, () => this.handle(sessionId).signal(cancelSignal, { messageId })).catch(() => undefined);
  }

  /** Completes the session's workflow once its current turn is over. Fine when none runs. */
  async close(sessionId: string): Promise<void> {
    await this.handle(sessionId).signal(closeSignal).catch(() => undefined);
  }

  /** Takes back a turn the workflow took: it stops and leaves nothing of it. */
  async withdraw(ref: ReplyRef, trace?: TraceContext): Promise<void> {
    await withTrace(trace, () => this.handle(ref.sessionId).signal(withdrawSignal, ref));
  }
}
