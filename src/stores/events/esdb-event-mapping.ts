/**
 * The port's events to EventStoreDB's and back: a NewEvent is checked and sized before it is sent (its
 * id made a UUID), and every event read becomes a RecordedEvent under the port's stream name, without
 * the chain's field (esdb-chain.ts), upcast when the store has an upcaster.
 */
import { v5 as uuidv5, validate as isUuid } from 'uuid';
import { ValidationError } from '../../errors/app-error';
import { EventTooLargeError } from '../../errors/store-errors';
import { MAX_EVENT_BYTES, type EventMetadata, type EventUpcaster, type NewEvent, type RecordedEvent } from './event-store';
import { withoutChainHash } from './esdb-chain';
import type { StreamNamespace } from './esdb-namespace';
import { type EsdbRecorded, toPosition } from './esdb-positions';

/** Event ids must be UUIDs in EventStoreDB; other ids are mapped to a stable UUID (the original stays in metadata). */
const EVENT_ID_NAMESPACE = 'b7f3c1d2-5e8a-4f6b-9c0d-1a2b3c4d5e6f';

/** An event ready to append, and its size as the embedded adapter measures it. */
export interface ProposedEvent {
  bytes: number;
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

export function toEventData(stream: string, event: NewEvent): ProposedEvent {
  if (typeof event?.type !== 'string' || event.type.length === 0) {
    throw new ValidationError(`An event for stream ${stream} has no type`);
  }
  if (event.type.startsWith('$')) {
    throw new ValidationError(`Event type ${event.type} for stream ${stream}: types starting with $ are reserved`);
  }
  const data = JSON.stringify(event.data);
  const metadata = JSON.stringify(event.metadata);
  if (data === undefined || metadata === undefined) {
    throw new ValidationError(`Event ${event.type} for stream ${stream}: data and metadata must be JSON values`);
  }
  // Same measure as the embedded adapter. EventStoreDB also limits a whole append (1 MiB by default).
  const bytes = Buffer.byteLength(event.type) + Buffer.byteLength(data) + Buffer.byteLength(metadata);
  if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(stream, bytes, MAX_EVENT_BYTES);
  const eventId = event.metadata.eventId;
  return {
    bytes,
    id: isUuid(eventId) ? eventId : uuidv5(String(eventId), EVENT_ID_NAMESPACE),
    type: event.type,
    data: event.data,
    metadata: { ...event.metadata },
  };
}

export function toRecorded(event: EsdbRecorded): RecordedEvent {
  return {
    streamId: event.streamId,
    revision: Number(event.revision),
    position: toPosition(event.position, `event ${event.revision} of ${event.streamId}`),
    type: event.type,
    data: event.data,
    metadata: withoutChainHash(event.metadata) as EventMetadata,
  };
}

/** How every event this store reads becomes a RecordedEvent (see EventUpcaster). */
export function recordedEventMapper(namespace: StreamNamespace, upcaster: EventUpcaster | undefined): (event: EsdbRecorded) => RecordedEvent {
  return upcaster ? (event) => upcaster.upcast(toRecorded(namespace.inward(event))) : (event) => toRecorded(namespace.inward(event));
}
