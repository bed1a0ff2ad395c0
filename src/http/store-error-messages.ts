import { AppError, ConflictError, GoneError, NotFoundError, TooLargeError } from '../errors/app-error';
import { EventTooLargeError, InvalidStreamNameError, StreamDeletedError, StreamNotFoundError, WrongExpectedRevisionError } from '../errors/store-errors';
import { resourceOfStream } from '../events/streams';

/**
 * The event store's errors name streams, which are our storage naming, not the API's: answered, they
 * name the resource instead ("Task 3f2… has been deleted"), with the same status.
 */
export function withoutStreamNames(err: AppError): AppError {
  if (err instanceof StreamDeletedError) return new GoneError(`${resourceOfStream(err.stream)} has been deleted`);
  if (err instanceof StreamNotFoundError || err instanceof InvalidStreamNameError) return new NotFoundError(`${resourceOfStream(err.stream)} does not exist`);
  if (err instanceof WrongExpectedRevisionError) return new ConflictError(`${resourceOfStream(err.stream)} was changed by another request at the same time; try again`);
  if (err instanceof EventTooLargeError) return new TooLargeError(`A change of ${resourceOfStream(err.stream)} is ${err.size} bytes; the limit is ${err.limit}`);
  return err;
}
