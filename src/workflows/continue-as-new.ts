// When a session's run hands over to a new one (continue-as-new). After `turnsPerRun` turns (or when
// Temporal suggests it), once nothing is queued and (unless Temporal insists) once the chat has been
// quiet for `continueQuietMs`: a message sent while the run switches would wait for the new one. A chat
// that never pauses would never get there, so a run whose history passed `forceContinueEvents` hands
// over when a turn arrives instead: the turn is already accepted (its sender waits for nothing) and goes
// to the new run with the queue.
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { type ChatSessionWorkflow, FORCED_CONTINUE_PATCH, type Session } from './session';
import { formatDuration } from './ui';

const DEFAULT_TURNS_PER_RUN = 100;
const DEFAULT_CONTINUE_QUIET_MS = 5000;
const DEFAULT_FORCE_CONTINUE_EVENTS = 2000;

function due(s: Session): boolean {
  return workflowInfo().continueAsNewSuggested || s.turnsThisRun >= (s.input.turnsPerRun ?? DEFAULT_TURNS_PER_RUN);
}

/**
 * Whether this run should hand over in a pause. Synchronous on purpose: the turn loop must not yield when
 * it is not time (a yield there lets the follow-ups schedule their steps before the loop's keepalive
 * timer, a different command order than the histories recorded so far).
 */
export function continueAsNewDue(s: Session): boolean {
  return s.queue.length === 0 && !s.closing && due(s);
}

/** Continues as new once the chat is quiet (it does not return then); returns when this run goes on. */
export async function continueAsNewWhenQuiet(s: Session, v2: boolean): Promise<void> {
  const { input } = s;
  // In a pause, unless the history is already too long.
  const quietMs = input.continueQuietMs ?? DEFAULT_CONTINUE_QUIET_MS;
  const quiet = () => condition(() => s.queue.length > 0 || s.closing, quietMs, { summary: `quiet wait · ${formatDuration(quietMs)} before continue-as-new` });
  if (v2 && !workflowInfo().continueAsNewSuggested && quietMs > 0 && (await quiet())) return;
  await s.followUps;
  await condition(allHandlersFinished);
  await s.discardWithdrawn();
  // A turn sent while the follow-ups ended is answered in this run: the queue does not carry over.
  if (!v2 || (s.queue.length === 0 && !s.closing)) await handOver(s, []);
}

/**
 * A turn is waiting, the run is due and its history passed the bound: hand over now. Not while follow-ups
 * run (the turn would wait for a summary): the next turn checks again.
 */
export function mustHandOverNow(s: Session): boolean {
  if (s.closing || s.queue.length === 0 || s.followUpsRunning > 0 || !due(s)) return false;
  return workflowInfo().historyLength >= (s.input.forceContinueEvents ?? DEFAULT_FORCE_CONTINUE_EVENTS) && patched(FORCED_CONTINUE_PATCH);
}

/** Continues as new with the queued turns (it does not return). */
export async function handOverWithQueue(s: Session): Promise<void> {
  await condition(allHandlersFinished);
  await s.discardWithdrawn();
  await handOver(s, [...s.queue]);
}

function handOver(s: Session, queued: Session['queue']): Promise<never> {
  return continueAsNew<ChatSessionWorkflow>({
    ...s.input,
    keepaliveMs: s.keepaliveMs,
    turnsDone: s.turnsDone,
    conversation: s.conversation.current,
    assistantId: s.assistantAttribute,
    queued: queued.length ? queued : undefined,
  });
}
