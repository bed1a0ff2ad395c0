/**
 * Deleting a stream on EventStoreDB: a tombstone, made with the port's expected revision translated
 * to the client's stream state.
 */
import { ANY, NO_STREAM, STREAM_EXISTS, type AppendStreamState, type StreamState } from '@kurrent/kurrentdb-client';
import { ValidationError } from '../../errors/app-error';
import type { AppendOptions, EventStore, ExpectedRevision } from './event-store';
import type { EsdbConnection } from './esdb-connection';
import { checkFenceStream } from './fence-stream';
import { validateStreamName } from './stream-names';

/** `store` is the store itself, through which the fence stream is read and raised. */
export async function tombstoneStream(
  connection: EsdbConnection,
  store: Pick<EventStore, 'readStream' | 'append'>,
  stream: string,
  expected: ExpectedRevision,
  options: Pick<AppendOptions, 'fencingToken'>,
): Promise<void> {
  connection.assertOpen();
  validateStreamName(stream);
  if (options.fencingToken !== undefined) await checkFenceStream(store, options.fencingToken);
  // The client's types omit stream_exists for tombstones, but it sends it like any other value.
  const expectedRevision = toEsdbExpected(expected) as StreamState;
  try {
    await connection.track(connection.client.tombstoneStream(connection.namespace.outward(stream), { expectedRevision }));
  } catch (err) {
    throw connection.error(err, { stream, expected });
  }
}

export function toEsdbExpected(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
  }
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new ValidationError(`Invalid expected revision ${String(expected)}`);
  }
  return BigInt(expected);
}
