import { EventUpcasting } from '../../src/events/event-upcasting';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import { deepFreeze } from './given-when-then';

/**
 * Given/when/then for upcasters, through the registry every read uses:
 *   givenStored('ExecutionMissed', 1, v1Data).whenRead().then(2, v2Data)
 * The stored event is deep-frozen, so an upcaster that changes its input fails the test.
 */
export function givenStored(type: string, version: number, data: unknown, upcasting: EventUpcasting = new EventUpcasting()) {
  const stored: RecordedEvent = deepFreeze({
    streamId: 'test-1',
    revision: 0,
    position: 1,
    type,
    data,
    metadata: { eventId: 'e1', occurredAt: '2026-01-01T00:00:00.000Z', actor: 'system:test', correlationId: 'c1', causationId: 'c1', schemaVersion: version },
  });
  return {
    stored,
    whenRead() {
      const read = upcasting.upcast(stored);
      return {
        read,
        /** Asserts the shape readers get: its version and data; stream, position and the rest of the metadata are untouched. */
        then(expectedVersion: number, expectedData: unknown): RecordedEvent {
          expect(read.data).toEqual(expectedData);
          expect(read.metadata).toEqual({ ...stored.metadata, schemaVersion: expectedVersion });
          expect({ ...read, data: null, metadata: null }).toEqual({ ...stored, data: null, metadata: null });
          return read;
        },
      };
    },
  };
}
