// Typed domain errors: what went wrong with a record, in the domain's terms. The API's one error renderer
// (src/api/middleware/errors.ts) turns each into its HTTP status and Coco envelope; workers never see them
// as HTTP.

export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The record does not exist (or is not the caller's to see). */
export class NotFound extends DomainError {
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`${what} [${id}] is not found`);
  }
}

/** The input cannot be stored as it is; the message names the field. */
export class InvalidInput extends DomainError {}

/** The record exists but this change is not allowed (built-in protections). */
export class Forbidden extends DomainError {}
