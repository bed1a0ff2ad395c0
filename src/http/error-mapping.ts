import { AppError, type ErrorKind } from '../errors/app-error';

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
  unavailable: 503,
};

export interface ErrorBody {
  error: string;
  details?: string[];
}

export function errorResponse(err: AppError): { status: number; body: ErrorBody } {
  const body: ErrorBody = { error: err.message };
  if (err.details && err.details.length > 0) body.details = err.details;
  return { status: STATUS_BY_KIND[err.kind], body };
}
