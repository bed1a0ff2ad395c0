import { AppError, type ErrorKind } from '../errors/app-error';
import { cut } from '../errors/quoted';

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

/**
 * However a failure was described, its answer stays short: messages quote a client's values cut
 * (quoted.ts), and this bounds what any message or list of details can add up to, so no request is
 * answered with its own body in bulk.
 */
const MAX_MESSAGE_CHARS = 500;
const MAX_DETAILS = 20;

export function errorResponse(err: AppError): { status: number; body: ErrorBody } {
  const body: ErrorBody = { error: cut(err.message, MAX_MESSAGE_CHARS) };
  if (err.details && err.details.length > 0) {
    const shown = err.details.slice(0, MAX_DETAILS).map((detail) => cut(detail, MAX_MESSAGE_CHARS));
    const more = err.details.length - shown.length;
    body.details = more > 0 ? [...shown, `…and ${more} more`] : shown;
  }
  return { status: STATUS_BY_KIND[err.kind], body };
}
