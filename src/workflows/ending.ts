// How a turn's reply ends, even when it cannot be saved: the finalize step (save, then reply_end) is retried;
// if it still fails, the reply ends without being saved (an error and reply_end on the stream) and the
// session goes on with its queued turns, instead of the whole workflow failing with them.
import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';
import type { FinalInput, HistoryEntry, ReplyDetail, ReplyRef, Turn } from '../shared/chat';
import { MODEL_TIMEOUT } from '../shared/failures';
import { abandonReply, discardReply, finalize } from './steps';
import { step } from './ui';

/** The innermost message of a failure (an activity's failure wraps the step's own error). */
export function errorText(err: unknown): string {
  let e = err as { cause?: unknown; message?: string } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

/** Why a step failed, as the reply's end says it: the model did not answer in time, or anything else. */
export function failureOf(err: unknown): FinalInput {
  const timedOut = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === MODEL_TIMEOUT;
  return { reason: timedOut ? 'timeout' : 'error', error: errorText(err) };
}

/** Finalizes the reply; gives its history entry, or undefined when it could not be saved. */
export async function endReply(turn: Turn, result: FinalInput, steps: ReplyDetail[]): Promise<HistoryEntry | undefined> {
  try {
    return (await step(finalize, `finalize · ${result.reason}`, turn, result, steps)).entry;
  } catch (err) {
    log.error('the reply could not be saved; ending it unsaved', { replyId: turn.replyId, error: errorText(err) });
    await step(abandonReply, 'abandon reply · not saved', turn, `the reply could not be saved: ${errorText(err)}`).catch(() => undefined);
    return undefined;
  }
}

/** Removes what a withdrawn turn left; a failure is logged, never fatal (the turn was already taken back). */
export async function discard(ref: ReplyRef): Promise<void> {
  try {
    await step(discardReply, 'discard · a withdrawn turn', ref);
  } catch (err) {
    log.error('a withdrawn turn could not be discarded', { replyId: ref.replyId, error: errorText(err) });
  }
}
