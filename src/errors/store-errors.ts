import { AppError, ConflictError, GoneError, NotFoundError, TooLargeError, ValidationError } from './app-error';
import type { ExpectedRevision, StreamRevision } from '../stores/events/event-store';

/** An append whose expected revision did not match the stream. */
export class WrongExpectedRevisionError extends ConflictError {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamRevision,
  ) {
    super(`Stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/**
 * A write carried a leader's fencing token older than the newest granted: the writer lost the lease
 * (it was paused or cut off while another instance took over) and must stop acting.
 */
export class StaleFencingTokenError extends ConflictError {
  constructor(
    readonly token: number,
    readonly fence: number,
  ) {
    super(`Fencing token ${token} is stale: token ${fence} has been granted since; this instance no longer leads`);
  }
}

/** An Idempotency-Key sent again with another request. */
export class IdempotencyConflictError extends ConflictError {
  constructor() {
    super('Idempotency-Key was already used with a different request body');
  }
}

/** The stream was deleted (tombstoned); it can never be written or read again. */
export class StreamDeletedError extends GoneError {
  constructor(readonly stream: string) {
    super(`Stream ${stream} has been deleted`);
  }
}

export class StreamNotFoundError extends NotFoundError {
  constructor(readonly stream: string) {
    super(`Stream ${stream} does not exist`);
  }
}

export class InvalidStreamNameError extends ValidationError {
  constructor(readonly stream: string, reason: string) {
    super(`Invalid stream name ${JSON.stringify(stream)}: ${reason}`);
  }
}

export class EventTooLargeError extends TooLargeError {
  constructor(readonly stream: string, readonly size: number, readonly limit: number) {
    super(`Event for stream ${stream} is ${size} bytes; the limit is ${limit}`);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
