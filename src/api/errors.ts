// Named errors thrown by handlers. The error middleware (middleware/errors.ts) is the only writer of
// error responses: Coco's envelope {"status":N,"error":{"reason":"..."}}, or for not-found Coco's
// {"_id":..,"result":"not_found"} / {"_id":..,"found":false} shapes.

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = new.target.name;
  }

  /** The JSON body written for this error. */
  body(): unknown {
    return { status: this.status, error: { reason: this.reason } };
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

export class ForbiddenError extends HttpError {
  constructor(reason: string) {
    super(403, reason);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, `request body is larger than the limit of ${limitBytes} bytes`);
  }
}

export class ConflictError extends HttpError {
  constructor(reason: string) {
    super(409, reason);
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

/** A resource id that does not exist. Coco answers these with a write-envelope shape, not the error one. */
export class NotFoundError extends HttpError {
  constructor(
    readonly id: string,
    readonly shape: 'result' | 'found' = 'result',
    what = 'resource',
  ) {
    super(404, `${what} [${id}] is not found`);
  }

  override body(): unknown {
    return this.shape === 'found' ? { _id: this.id, found: false } : { _id: this.id, result: 'not_found' };
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(reason: string) {
    super(503, reason);
  }
}
