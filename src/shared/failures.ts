// Failure types the chat-session workflow sets on what it refuses or fails. The API recognises them by
// type (ApplicationFailure.type), never by message text.

/** The session is closing: a turn sent now waits for the run to end and goes to the next one. */
export const SESSION_CLOSED = 'SessionClosed';
/** The update carried no usable turn. */
export const INVALID_TURN = 'InvalidTurn';
/** The turn reached a worker after the API had stopped waiting for it (and answered 503). */
export const TURN_EXPIRED = 'TurnExpired';

// Failure types of the steps (activities); the workflow reads them to end a reply with the right reason.

/** The model did not start or went quiet for longer than its provider allows: the reply ends as `timeout`. */
export const MODEL_TIMEOUT = 'ModelTimeout';
/** The provider refused the request in a way a retry cannot fix (bad request, auth, unknown model). */
export const PROVIDER_ERROR = 'ProviderError';
/** The assistant or its provider cannot answer as configured (missing, disabled, no model). */
export const CHAT_CONFIG_ERROR = 'ChatConfigError';
