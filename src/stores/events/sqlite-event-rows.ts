/** Events into stored rows (serialized and checked) and rows back into events. */
import { ValidationError } from '../../errors/app-error';
import { EventTooLargeError } from '../../errors/store-errors';
import { type EventUpcaster, MAX_EVENT_BYTES, type NewEvent, type RecordedEvent } from './event-store';
import type { EventRow } from './event-database';
import type { SerializedEvent } from './event-writer';

/** The columns of an event row (EventRow), `data` and `metadata` as the given SQL expressions. */
function selectEvents(data: string, metadata = 'e.metadata'): string {
  return `SELECT e.position, s.name, e.revision, e.type, ${data}, ${metadata} FROM events e`;
}

/** StreamFilter.withoutMetadata's metadata: the schema version alone (what the upcaster reads), null when the event has none. */
const SCHEMA_VERSION_ONLY = `json_object('schemaVersion', json_extract(e.metadata, '$.schemaVersion'))`;

/**
 * Every read joins each event to its stream's name. CROSS JOIN makes SQLite walk the events first (in
 * the index the query names) and look the name up by id, whatever its estimates say.
 */
export const SELECT_EVENTS = selectEvents('e.data');
export const JOIN_STREAM = 'CROSS JOIN streams s ON s.id = e.stream_id';

/**
 * SELECT_EVENTS with `data` read as null for the events of `categories` (StreamFilter.withoutData):
 * SQLite then never copies a log batch's text out, nor does JSON.parse read it. The categories were
 * checked to be lowercase words (event-arguments.ts), so they go into the SQL as literals. Without
 * metadata (StreamFilter.withoutMetadata), about half of an execution event's text is not parsed.
 */
export function selectEventsWithout(categories: string[], withoutMetadata: boolean): string {
  const metadata = withoutMetadata ? SCHEMA_VERSION_ONLY : undefined;
  if (categories.length === 0) return withoutMetadata ? selectEvents('e.data', metadata) : SELECT_EVENTS;
  const list = categories.map((category) => `'${category}'`).join(', ');
  return selectEvents(`CASE WHEN e.category IN (${list}) THEN 'null' ELSE e.data END`, metadata);
}

export function serialize(stream: string, event: NewEvent, json: (value: unknown) => string | undefined): SerializedEvent {
  if (typeof event?.type !== 'string' || event.type.length === 0) {
    throw new ValidationError(`An event for stream ${stream} has no type`);
  }
  const data = json(event.data);
  const metadata = json(event.metadata);
  if (data === undefined || metadata === undefined) {
    throw new ValidationError(`Event ${event.type} for stream ${stream}: data and metadata must be JSON values`);
  }
  // UTF-8 needs at most 3 bytes per UTF-16 code unit, so most events skip counting bytes.
  const chars = event.type.length + data.length + metadata.length;
  if (chars * 3 > MAX_EVENT_BYTES) {
    const bytes = Buffer.byteLength(event.type) + Buffer.byteLength(data) + Buffer.byteLength(metadata);
    if (bytes > MAX_EVENT_BYTES) throw new EventTooLargeError(stream, bytes, MAX_EVENT_BYTES);
  }
  return { type: event.type, data, metadata };
}

export function readEvent(upcaster: EventUpcaster | undefined): (row: EventRow) => RecordedEvent {
  return upcaster ? (row) => upcaster.upcast(toRecordedEvent(row)) : toRecordedEvent;
}

/**
 * Rows as the JSON text of the array of their RecordedEvents, so that one JSON.parse (readPage) makes
 * the page where a thread reading ahead hands it over: a string crosses threads as one copy. Stored data
 * and metadata are JSON text already (serialize), so they go in as they are.
 */
export function rowsJson(rows: EventRow[]): string {
  let json = '[';
  for (let i = 0; i < rows.length; i++) {
    const [position, streamId, revision, type, data, metadata] = rows[i]!;
    if (i > 0) json += ',';
    json += `{"streamId":${JSON.stringify(streamId)},"revision":${revision},"position":${position},"type":${JSON.stringify(type)},"data":${data},"metadata":${metadata}}`;
  }
  return json + ']';
}

/** The events of a page made by rowsJson, as readEvent makes them. */
export function readPage(upcaster: EventUpcaster | undefined): (json: string) => RecordedEvent[] {
  return upcaster ? (json) => (JSON.parse(json) as RecordedEvent[]).map((event) => upcaster.upcast(event)) : (json) => JSON.parse(json) as RecordedEvent[];
}

function toRecordedEvent([position, streamId, revision, type, data, metadata]: EventRow): RecordedEvent {
  return { streamId, revision, position, type, data: JSON.parse(data), metadata: JSON.parse(metadata) };
}
