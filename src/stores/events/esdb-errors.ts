/**
 * The client's errors as the port's (src/errors/store-errors.ts); every way of not reaching the server
 * becomes one UnavailableError naming the server by its masked URL.
 */
import { ErrorType, convertToCommandError } from '@kurrent/kurrentdb-client';
import { AppError, UnavailableError } from '../../errors/app-error';
import {
  EventTooLargeError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../../errors/store-errors';
import type { ExpectedRevision } from './event-store';

/** What the failed call was about; `bytes` is the size of the append, for a too-large one. */
export interface EsdbErrorContext {
  stream?: string;
  expected?: ExpectedRevision;
  bytes?: number;
}

/** Client errors → the port's errors; `url` is the server's, password masked. */
export function toPortError(raw: unknown, url: string, { stream, expected, bytes }: EsdbErrorContext): unknown {
  if (raw instanceof AppError || !(raw instanceof Error)) return raw;
  // Some failures (an append while the server is down) arrive as raw gRPC errors.
  const err = convertToCommandError(raw) as Error & { type?: string; code?: number; details?: string };
  const name = stream ?? '$all';
  switch (err.type) {
    case ErrorType.WRONG_EXPECTED_VERSION: {
      const actual = (err as unknown as { actualState: bigint | 'no_stream' }).actualState;
      return new WrongExpectedRevisionError(
        name,
        expected ?? 'any',
        actual === 'no_stream' || actual < 0n ? 'no_stream' : Number(actual),
      );
    }
    case ErrorType.STREAM_DELETED:
      return new StreamDeletedError(name);
    case ErrorType.STREAM_NOT_FOUND:
      return new StreamNotFoundError(name);
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED: {
      const limit = (err as unknown as { maxAppendSize: number }).maxAppendSize;
      return new EventTooLargeError(name, bytes ?? NaN, limit);
    }
    case ErrorType.UNAVAILABLE:
    case ErrorType.DEADLINE_EXCEEDED:
    case ErrorType.TIMEOUT:
    case ErrorType.NOT_LEADER: // the client reconnects to the leader on the next call
      return unavailable(err, url);
  }
  if (err.code === 14 || err.code === 4 || /Failed to discover|ECONNREFUSED|ENOTFOUND/.test(err.message)) {
    return unavailable(err, url);
  }
  return err;
}

function unavailable(err: Error & { details?: string }, url: string): UnavailableError {
  const reason = err.details ?? err.message;
  const error = new UnavailableError(`EventStoreDB at ${url} is unavailable: ${reason}`);
  error.cause = err;
  return error;
}
