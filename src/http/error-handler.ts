import { ValidateError } from '@tsoa/runtime';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, NotFoundError, TooLargeError, ValidationError } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { cut } from '../errors/quoted';
import { type ErrorBody, errorResponse } from './error-mapping';
import { jsonSyntaxProblem } from './json-body';
import { withoutStreamNames } from './store-error-messages';
import { validationDetails } from './validation-details';

/** Turns every failure into `{error, details?}` with DESIGN.md's status; only a bug becomes a 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body } = errorAnswer(err, logger, req.method, req.originalUrl);
    if (!res.headersSent) res.status(status).json(body);
  };
}

/** The answer to a failure; anything but a known error is a bug: logged, and answered 500. */
export function errorAnswer(err: unknown, logger: Logger, method: string | undefined, url: string | undefined): { status: number; body: ErrorBody } {
  const appError = toAppError(err);
  if (appError) return errorResponse(appError);
  logger.error({ err, method, url }, 'unhandled error');
  return { status: 500, body: { error: 'Internal error: this is a bug in Cron Observer' } };
}

export const unknownApiRoute: RequestHandler = (req, _res, next) => {
  // The path only: a query string may carry a token.
  next(new NotFoundError(`No route ${req.method} ${cut(req.originalUrl.split('?')[0]!, 200)}`));
};

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return withoutStreamNames(err);
  if (err instanceof ValidateError) {
    const details = validationDetails(err.fields);
    return new ValidationError('Invalid request', details);
  }
  // body-parser errors carry a `type` and an HTTP status.
  const bodyError = err as { type?: string; status?: number; message?: string; limit?: number };
  if (bodyError?.type === 'entity.parse.failed') return new ValidationError('Malformed JSON body', [`body: ${jsonSyntaxProblem(String(bodyError.message))}`]);
  if (bodyError?.type === 'entity.too.large') return new TooLargeError(`Request body is larger than the limit of ${bodyError.limit} bytes`);
  if (bodyError?.type === 'encoding.unsupported' || bodyError?.type === 'charset.unsupported') return new ValidationError(String(bodyError.message));
  if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) return new ValidationError(String(bodyError.message));
  return null;
}
