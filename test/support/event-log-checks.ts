import type { RecordedEvent } from '../../src/stores/events/event-store';

/** In `$all` order, positions only grow. */
export function expectPositionsStrictlyIncreasing(events: RecordedEvent[]): void {
  const unordered = events.filter((event, i) => i > 0 && event.position <= events[i - 1].position);
  expect(unordered).toEqual([]);
}

/** In global order, each stream's revisions go 0, 1, 2, … with no gap. */
export function expectRevisionsContiguousFromZero(events: RecordedEvent[]): void {
  const next = new Map<string, number>();
  const wrong = events.filter((event) => {
    const expected = next.get(event.streamId) ?? 0;
    next.set(event.streamId, event.revision + 1);
    return event.revision !== expected;
  });
  expect(wrong).toEqual([]);
}
