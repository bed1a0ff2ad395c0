import { AppError, type ErrorKind, TooManyRequestsError } from '../errors/app-error';

/** The single place where domain error kinds become HTTP statuses. */
export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  unavailable: 503,
};

export interface ErrorBody {
  error: string;
  details?: string[];
}

export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  /** Headers the answer must carry (Retry-After of a 429). */
  headers?: Record<string, string>;
}

export function errorResponse(err: AppError): ErrorAnswer {
  const body: ErrorBody = { error: err.message };
  if (err.details && err.details.length > 0) body.details = err.details;
  const answer: ErrorAnswer = { status: STATUS_BY_KIND[err.kind], body };
  if (err instanceof TooManyRequestsError) answer.headers = { 'Retry-After': String(err.retryAfterSeconds) };
  return answer;
}
