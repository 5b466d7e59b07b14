// Failure types the chat-session workflow sets on what it refuses or fails. The API recognises them by
// type (ApplicationFailure.type), never by message text.

/** The session is closing: a turn sent now waits for the run to end and goes to the next one. */
export const SESSION_CLOSED = 'SessionClosed';
/** The update carried no usable turn. */
export const INVALID_TURN = 'InvalidTurn';
/** The turn reached a worker after the API had stopped waiting for it (and answered 503). */
export const TURN_EXPIRED = 'TurnExpired';
