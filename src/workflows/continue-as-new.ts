// When a session's run hands over to a new one (continue-as-new): after `turnsPerRun` turns, or when
// Temporal suggests it, once nothing is queued, and (unless Temporal insists) once the chat has been
// quiet for `continueQuietMs`: a message sent while the run switches would wait for the new one.
import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { ChatSessionWorkflow, Session } from './session';

const DEFAULT_TURNS_PER_RUN = 100;
const DEFAULT_CONTINUE_QUIET_MS = 5000;

/**
 * Whether this run should hand over now. Synchronous on purpose: the turn loop must not yield when it is
 * not time (a yield there lets the follow-ups schedule their steps before the loop's keepalive timer, a
 * different command order than the histories recorded so far).
 */
export function continueAsNewDue(s: Session): boolean {
  const due = workflowInfo().continueAsNewSuggested || s.turnsThisRun >= (s.input.turnsPerRun ?? DEFAULT_TURNS_PER_RUN);
  return due && s.queue.length === 0 && !s.closing;
}

/** Continues as new once the chat is quiet (it does not return then); returns when this run goes on. */
export async function continueAsNewWhenQuiet(s: Session, v2: boolean): Promise<void> {
  const { input } = s;
  // In a pause, unless the history is already too long.
  const quietMs = input.continueQuietMs ?? DEFAULT_CONTINUE_QUIET_MS;
  if (v2 && !workflowInfo().continueAsNewSuggested && quietMs > 0 && (await condition(() => s.queue.length > 0 || s.closing, quietMs))) return;
  await s.followUps;
  await condition(allHandlersFinished);
  await s.discardWithdrawn();
  // A turn sent while the follow-ups ended is answered in this run: the queue does not carry over.
  if (!v2 || (s.queue.length === 0 && !s.closing)) {
    await continueAsNew<ChatSessionWorkflow>({
      ...input,
      keepaliveMs: s.keepaliveMs,
      turnsDone: s.turnsDone,
      conversation: s.conversation.current,
      assistantId: s.assistantAttribute,
    });
  }
}
