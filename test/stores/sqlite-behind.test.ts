import { join } from 'node:path';
import type { NewEvent } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';
import { testEvent } from '../support/test-events';

function at(occurredAt: string): NewEvent {
  const event = testEvent('Happened');
  return { ...event, metadata: { ...event.metadata, occurredAt } };
}

/** EventStore.behind on the embedded store: a count along the primary key, and the oldest unread event's time. */
describe('SqliteEventStore.behind', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteEventStore;

  beforeEach(() => {
    temp = makeTempDir('sqlite-behind-');
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  it('counts the events after a position across streams and dates the oldest; caught up is 0 and null', async () => {
    store = SqliteEventStore.open({ file: join(temp.dir, 'events.db') });
    expect(await store.behind(null)).toEqual({ events: 0, oldestUnreadAt: null });
    const first = await store.append('task-a', [at('2026-01-01T00:00:00.000Z'), at('2026-01-01T00:00:01.000Z')], 'no_stream');
    await store.append('execution-b', [at('2026-01-01T00:00:02.000Z')], 'no_stream');
    await store.append('task-a', [at('2026-01-01T00:00:03.000Z')], 1);
    expect(await store.behind(null)).toEqual({ events: 4, oldestUnreadAt: '2026-01-01T00:00:00.000Z' });
    expect(await store.behind(first.position)).toEqual({ events: 2, oldestUnreadAt: '2026-01-01T00:00:02.000Z' });
    expect(await store.behind(await store.headPosition())).toEqual({ events: 0, oldestUnreadAt: null });
  });

  it('beyond its count limit answers that it cannot count cheaply (null), still dating the oldest event', async () => {
    store = SqliteEventStore.open({ file: join(temp.dir, 'events.db'), behindCountLimit: 3 });
    await store.append('task-a', ['00', '01', '02'].map((s) => at(`2026-01-01T00:00:${s}.000Z`)), 'no_stream');
    expect(await store.behind(null)).toEqual({ events: 3, oldestUnreadAt: '2026-01-01T00:00:00.000Z' });
    await store.append('task-a', [at('2026-01-01T00:00:03.000Z')], 2);
    expect(await store.behind(null)).toEqual({ events: null, oldestUnreadAt: '2026-01-01T00:00:00.000Z' });
  });
});
