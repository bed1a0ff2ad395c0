/**
 * The one error hierarchy of Cron Observer. Every failure a caller can fix or must know about is an
 * AppError with a `kind`; src/http/error-mapping.ts is the single place that turns kinds into HTTP statuses.
 */
export type ErrorKind =
  | 'invalid' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'gone' // 410
  | 'precondition_failed' // 412
  | 'too_large' // 413
  | 'unsupported_media_type' // 415
  | 'too_many_requests' // 429
  | 'unavailable'; // 503

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: string[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: string[]) {
    super('invalid', message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required') {
    super('unauthenticated', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed', details?: string[]) {
    super('forbidden', message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: string[]) {
    super('conflict', message, details);
  }
}

export class GoneError extends AppError {
  constructor(message: string) {
    super('gone', message);
  }
}

/** The client's precondition (If-Match) names a revision that is no longer the aggregate's current one. */
export class PreconditionFailedError extends AppError {
  constructor(message: string, details?: string[]) {
    super('precondition_failed', message, details);
  }
}

export class TooLargeError extends AppError {
  constructor(message: string, details?: string[]) {
    super('too_large', message, details);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string, details?: string[]) {
    super('unsupported_media_type', message, details);
  }
}

/** Refused before any work was done; the caller may try again after `retryAfterSeconds` (Retry-After). */
export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details?: string[],
  ) {
    super('too_many_requests', message, details);
  }
}

export class UnavailableError extends AppError {
  constructor(message: string) {
    super('unavailable', message);
  }
}
