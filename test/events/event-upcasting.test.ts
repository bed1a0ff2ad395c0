import { EVENT_SCHEMAS, schemaVersionOf } from '../../src/events/event-schemas';
import { EventUpcasting, mergeUnknownEvents, type UnknownEventNotice } from '../../src/events/event-upcasting';
import * as events from '../../src/events';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import { givenStored } from '../support/given-stored';

/** A catalogue of one type at version 3, so the chain's order and each step show. */
const renamedTwice = {
  Renamed: {
    version: 3,
    upcasters: {
      1: ({ name, ...data }: Record<string, never>) => ({ ...data, title: name }),
      2: ({ title, ...data }: Record<string, never>) => ({ ...data, label: String(title).toUpperCase() }),
    },
  },
};

function stored(type: string, schemaVersion: number, position: number, data: unknown = {}): RecordedEvent {
  return { streamId: 'thing-1', revision: position - 1, position, type, data, metadata: { eventId: `e${position}`, occurredAt: '2026-01-01T00:00:00.000Z', actor: 'a', correlationId: 'c', causationId: 'c', schemaVersion } };
}

describe('the event registry', () => {
  test('lists every event type of every category, and each has a complete chain of upcasters', () => {
    const listed = Object.entries(events)
      .filter(([name, value]) => name.endsWith('_EVENT_TYPES') && Array.isArray(value))
      .flatMap(([, names]) => names as string[]);
    expect(listed.length).toBeGreaterThan(50);
    for (const type of listed) expect(Object.keys(EVENT_SCHEMAS)).toContain(type);
    expect(() => new EventUpcasting()).not.toThrow();
  });

  test('new events are written with the current version of their type', () => {
    expect(schemaVersionOf('ExecutionMissed')).toBe(2);
    expect(schemaVersionOf('TaskCreated')).toBe(1);
  });

  test('a version without its upcaster is refused when the registry is built, not when an old event is read', () => {
    expect(() => new EventUpcasting(undefined, { Broken: { version: 3, upcasters: { 1: (data) => data } } })).toThrow(
      'Event Broken is at version 3 but has no upcaster from version 2',
    );
  });
});

describe('upcasting on read', () => {
  const upcasting = () => new EventUpcasting(undefined, renamedTwice as never);

  test('given a version 1 event, when read, then every step applies in order and unknown fields survive', () => {
    givenStored('Renamed', 1, { name: 'backup', kept: true }, upcasting())
      .whenRead()
      .then(3, { kept: true, label: 'BACKUP' });
  });

  test('given a version 2 event, when read, then only the later step applies', () => {
    givenStored('Renamed', 2, { title: 'backup' }, upcasting()).whenRead().then(3, { label: 'BACKUP' });
  });

  test('given a current event, when read, then it is handed over as is: no copy, no counting', () => {
    const registry = upcasting();
    const given = givenStored('Renamed', 3, { label: 'X' }, registry);
    expect(given.whenRead().read).toBe(given.stored);
    expect(registry.unknownEvents()).toEqual([]);
  });

  test('given metadata without a version (before versions were written), when read, then it is taken as version 1', () => {
    const event = stored('Renamed', 1, 1, { name: 'x' });
    const { schemaVersion: _none, ...metadata } = event.metadata;
    expect(upcasting().upcast({ ...event, metadata: metadata as never }).data).toEqual({ label: 'X' });
  });
});

describe('events this version cannot read', () => {
  let notices: UnknownEventNotice[];
  let registry: EventUpcasting;
  beforeEach(() => {
    notices = [];
    registry = new EventUpcasting((notice) => notices.push(notice), {
      ...renamedTwice,
      Failing: { version: 2, upcasters: { 1: () => { throw new Error('bug'); } } },
    } as never);
  });

  test('an unknown type passes as stored, and is counted once per event however often it is read, warned about once per type', () => {
    const first = stored('Teleported', 1, 7, { to: 'mars' });
    expect(registry.upcast(first)).toBe(first);
    registry.upcast(first); // read again (a second subscriber, a rebuild)
    registry.upcast(stored('Teleported', 1, 9));
    expect(registry.unknownEvents()).toEqual([{ type: 'Teleported', reason: 'unknown_type', count: 2 }]);
    expect(notices.map((n) => [n.type, n.position, n.first])).toEqual([
      ['Teleported', 7, true],
      ['Teleported', 9, false],
    ]);
  });

  test('a version newer than this build knows passes as stored and is counted', () => {
    const newer = stored('Renamed', 4, 3, { label: 'x', colour: 'red' });
    expect(registry.upcast(newer)).toBe(newer);
    expect(registry.unknownEvents()).toEqual([{ type: 'Renamed', reason: 'newer_version', count: 1 }]);
  });

  test('an upcaster that throws (a bug) never stops the read: the event passes as stored and is counted', () => {
    const event = stored('Failing', 1, 4, { a: 1 });
    expect(registry.upcast(event)).toBe(event);
    expect(registry.unknownEvents()).toEqual([{ type: 'Failing', reason: 'upcast_failed', count: 1 }]);
    expect(notices[0]).toMatchObject({ type: 'Failing', reason: 'upcast_failed', first: true, error: new Error('bug') });
  });

  test('the counts of several reading threads merge to the most any of them met', () => {
    expect(
      mergeUnknownEvents(
        [{ type: 'B', reason: 'unknown_type', count: 2 }, { type: 'A', reason: 'unknown_type', count: 5 }],
        [{ type: 'B', reason: 'unknown_type', count: 3 }],
      ),
    ).toEqual([
      { type: 'A', reason: 'unknown_type', count: 5 },
      { type: 'B', reason: 'unknown_type', count: 3 },
    ]);
  });
});
