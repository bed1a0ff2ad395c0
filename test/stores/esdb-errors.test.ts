import {
  MaxAppendSizeExceededError,
  StreamDeletedError as ClientStreamDeletedError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { UnavailableError, ValidationError } from '../../src/errors/app-error';
import { EventTooLargeError, StreamDeletedError, WrongExpectedRevisionError } from '../../src/errors/store-errors';
import { toPortError } from '../../src/stores/events/esdb-errors';

/** The EventStoreDB client's errors as the port's, built as the client builds them: no server involved. */
describe('given errors from the EventStoreDB client', () => {
  const url = 'esdb://admin:***@127.0.0.1:2113?tls=false';

  it('when the server refuses an expectation, then the stream, the expectation and the actual revision are named', () => {
    const raw = new WrongExpectedVersionError(undefined, { streamName: 'ns.task-1', expected: 2n, current: 5n });
    const mapped = toPortError(raw, url, { stream: 'task-1', expected: 2 });
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({ stream: 'task-1', expected: 2, actual: 5 });

    const missing = new WrongExpectedVersionError(undefined, { streamName: 'task-2', expected: 'stream_exists', current: 'no_stream' });
    expect(toPortError(missing, url, {})).toMatchObject({ stream: '$all', expected: 'any', actual: 'no_stream' });
  });

  it('when a stream was deleted or an append was too large, then the port error carries the stream and the sizes', () => {
    expect(toPortError(ClientStreamDeletedError.fromStreamName('ns.task-1'), url, { stream: 'task-1' })).toEqual(new StreamDeletedError('task-1'));
    const tooLarge = toPortError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), url, { stream: 'task-1', bytes: 2_000_000 });
    expect(tooLarge).toBeInstanceOf(EventTooLargeError);
    expect(tooLarge).toMatchObject({ stream: 'task-1', size: 2_000_000, limit: 1_048_576 });
  });

  it('when the server cannot be reached, then an UnavailableError names the masked URL and keeps the cause', () => {
    const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: 'No connection established' });
    const mapped = toPortError(grpc, url, {}) as UnavailableError;
    expect(mapped).toBeInstanceOf(UnavailableError);
    expect(mapped.message).toBe(`EventStoreDB at ${url} is unavailable: 14 UNAVAILABLE: No connection established`);
    expect(mapped.cause).toBeInstanceOf(Error);

    const refused = new Error('connect ECONNREFUSED 127.0.0.1:2113');
    expect(toPortError(refused, url, {})).toMatchObject({ message: `EventStoreDB at ${url} is unavailable: connect ECONNREFUSED 127.0.0.1:2113`, cause: refused });
  });

  it('when the error is already the port’s, or not an Error, or unknown, then it is passed on as it is', () => {
    const own = new ValidationError('bad');
    const unknown = new Error('something else');
    expect(toPortError(own, url, {})).toBe(own);
    expect(toPortError('text', url, {})).toBe('text');
    expect(toPortError(unknown, url, {})).toBe(unknown);
  });
});
