// The session workflow's update, signals and query: a turn is admitted (or refused, by failure type),
// cancel and close reach the running turn, a withdrawn turn is dropped or stopped.
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { INVALID_TURN, SESSION_CLOSED, TURN_EXPIRED } from '../shared/failures';
import { cancelSignal, closeSignal, sendMessageUpdate, stateQuery, withdrawSignal } from './definitions';
import type { Session } from './session';
import { showDetails } from './ui';

const MAX_TEXT = 100_000;
const ADMISSION_MARGIN_MS = 1000;

export function registerHandlers(s: Session) {
  setHandler(
    sendMessageUpdate,
    (turn) => {
      s.queue.push(turn);
      showDetails(s);
      return { replyId: turn.replyId };
    },
    {
      validator: (turn) => {
        if (s.closing) throw ApplicationFailure.nonRetryable('the session is closing', SESSION_CLOSED);
        if (!turn || typeof turn.text !== 'string' || turn.text.length === 0 || turn.text.length > MAX_TEXT) {
          throw ApplicationFailure.nonRetryable('a turn needs a message text', INVALID_TURN);
        }
        if (turn.sessionId !== s.input.sessionId) throw ApplicationFailure.nonRetryable('the turn belongs to another session', INVALID_TURN);
        // The API stops waiting for a worker after admissionMs and answers 503: a turn delivered later (a
        // worker came back) is refused, a little before that, so the sender is never answered twice.
        if (turn.sentAt !== undefined && turn.admissionMs !== undefined && Date.now() - turn.sentAt > turn.admissionMs - ADMISSION_MARGIN_MS) {
          throw ApplicationFailure.nonRetryable('the turn waited too long for a worker', TURN_EXPIRED);
        }
      },
    },
  );
  setHandler(cancelSignal, (req) => {
    const current = s.current;
    if (current && (!req.messageId || req.messageId === current.userMessageId || req.messageId === current.replyId)) s.cancelCurrent();
  });
  setHandler(closeSignal, () => {
    s.closing = true;
    s.cancelCurrent();
    showDetails(s);
  });
  setHandler(stateQuery, () => s.state());
  setHandler(withdrawSignal, (ref) => {
    const queued = s.queue.findIndex((t) => t.replyId === ref.replyId);
    if (queued >= 0) {
      s.queue.splice(queued, 1); // not started: nothing to undo
      showDetails(s);
      return;
    }
    s.withdrawn.push(ref);
    if (s.current?.replyId === ref.replyId) s.cancelCurrent();
  });
}
