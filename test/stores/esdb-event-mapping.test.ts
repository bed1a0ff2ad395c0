import { randomUUID } from 'node:crypto';
import { validate as isUuid } from 'uuid';
import { ValidationError } from '../../src/errors/app-error';
import { EventTooLargeError } from '../../src/errors/store-errors';
import { CHAIN_HASH_KEY } from '../../src/stores/events/esdb-chain';
import { recordedEventMapper, toEventData, toRecorded } from '../../src/stores/events/esdb-event-mapping';
import { StreamNamespace } from '../../src/stores/events/esdb-namespace';
import type { EsdbRecorded } from '../../src/stores/events/esdb-positions';
import { MAX_EVENT_BYTES, type EventMetadata, type NewEvent } from '../../src/stores/events/event-store';

/** The port's events to EventStoreDB's and back, on plain objects: no server involved. */
describe('given events crossing between the port and EventStoreDB', () => {
  const metadata = (eventId: string = randomUUID()): EventMetadata => ({
    eventId,
    occurredAt: new Date(0).toISOString(),
    actor: 'system:test',
    correlationId: randomUUID(),
    causationId: randomUUID(),
    schemaVersion: 1,
  });
  const event = (overrides: Partial<NewEvent> = {}): NewEvent => ({ type: 'TaskCreated', data: { name: 'nightly' }, metadata: metadata(), ...overrides });

  it('when an event is proposed, then it keeps a UUID id, maps any other id to the same UUID each time, and is sized', () => {
    const uuid = randomUUID();
    const proposed = toEventData('task-1', event({ metadata: metadata(uuid) }));
    expect(proposed).toMatchObject({ id: uuid, type: 'TaskCreated', data: { name: 'nightly' } });
    expect(proposed.bytes).toBe(Buffer.byteLength('TaskCreated') + JSON.stringify(proposed.data).length + JSON.stringify(proposed.metadata).length);

    const [a, b] = [1, 2].map(() => toEventData('task-1', event({ metadata: metadata('order-42') })).id);
    expect(isUuid(a)).toBe(true);
    expect(a).toBe(b);
    expect(toEventData('task-1', event({ metadata: metadata('order-43') })).id).not.toBe(a);
  });

  it('when an event has no type, a reserved type, non-JSON data or is too large, then it is refused', () => {
    expect(() => toEventData('task-1', event({ type: '' }))).toThrow(ValidationError);
    expect(() => toEventData('task-1', event({ type: '$streamDeleted' }))).toThrow(ValidationError);
    expect(() => toEventData('task-1', event({ data: undefined }))).toThrow(ValidationError);
    expect(() => toEventData('task-1', event({ data: 'x'.repeat(MAX_EVENT_BYTES) }))).toThrow(EventTooLargeError);
  });

  it('when an event is read, then it is numbered, named as the port knows it, and loses the chain hash', () => {
    const stored = metadata();
    const read: EsdbRecorded = {
      streamId: 'ns.task-1',
      revision: 3n,
      type: 'TaskCreated',
      data: { name: 'nightly' },
      metadata: { ...stored, [CHAIN_HASH_KEY]: 'ab'.repeat(32) },
      position: { commit: 700n, prepare: 700n },
    };
    const expected = { streamId: 'task-1', revision: 3, position: 700, type: 'TaskCreated', data: { name: 'nightly' }, metadata: stored };

    expect(toRecorded(read)).toEqual({ ...expected, streamId: 'ns.task-1' });
    expect(recordedEventMapper(new StreamNamespace('ns.'), undefined)(read)).toEqual(expected);
    const upcast = recordedEventMapper(new StreamNamespace('ns.'), { upcast: (e) => ({ ...e, type: `${e.type}V2` }) });
    expect(upcast(read)).toEqual({ ...expected, type: 'TaskCreatedV2' });
    expect(() => toRecorded({ ...read, position: undefined })).toThrow(/no position/);
  });
});
