// Errors the API raises itself (HTTP-level: auth, routing, body limits, request parameters). Handlers
// also let domain errors (src/domain/errors.ts) and search errors through; the error middleware
// (middleware/errors.ts) is the only writer of error responses and maps all of them.

export class HttpError extends Error {
  /** Response headers that belong to the error (e.g. Retry-After). */
  headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HttpError {
  constructor(reason: string) {
    super(400, reason);
  }
}

export class UnauthorizedError extends HttpError {
  constructor() {
    super(401, 'invalid login');
  }
}

/** The caller is signed in but its roles do not grant what the route needs. */
export class PermissionDeniedError extends HttpError {
  constructor(permission: string) {
    super(403, `permission [${permission}] not allowed`);
  }
}

/** A widget token used from a page its integration does not allow. */
export class OriginNotAllowedError extends HttpError {
  constructor(origin: string) {
    super(403, `origin [${origin}] is not allowed for this integration`);
  }
}

/** A WEBSOCKET-SESSION-ID that is not connected, or is another user's socket (the same answer for both). */
export class SocketNotFoundError extends HttpError {
  constructor(wsId: string) {
    super(404, `websocket session [${wsId}] is not connected`);
  }
}

/** Too many attempts (failed logins): try again after Retry-After seconds. */
export class TooManyRequestsError extends HttpError {
  constructor(reason: string, retryAfterSec: number) {
    super(429, reason);
    this.headers = { 'Retry-After': String(retryAfterSec) };
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, `request body is larger than the limit of ${limitBytes} bytes`);
  }
}

/** Route not found: the error envelope, since there is no resource id to echo. */
export class RouteNotFoundError extends HttpError {
  constructor(method: string, path: string) {
    super(404, `no route for ${method} ${path}`);
  }
}

export class MethodNotAllowedError extends HttpError {
  constructor(method: string, path: string) {
    super(405, `method ${method} is not allowed on ${path}`);
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(reason: string) {
    super(503, reason);
  }
}

/** The server is saturated: the client should retry after `retryAfterSec`. */
export class ServerBusyError extends HttpError {
  constructor(reason: string, retryAfterSec: number) {
    super(503, reason);
    this.headers = { 'Retry-After': String(retryAfterSec) };
  }
}
