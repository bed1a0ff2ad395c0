import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EventUpcasting } from '../../src/events/event-upcasting';
import { EsdbEventStore } from '../../src/stores/events/esdb-event-store';
import type { EventStore, NewEvent, RecordedEvent } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';

/** ExecutionMissed as version 1 stored it, and as every reader must get it (src/events/upcasters/execution-missed-v2.ts). */
const ref = { executionId: 'x1', taskId: 't1', projectId: 'p1', at: '2026-06-01T11:00:00.000Z' };
const v1Data = { ...ref, reason: 'scheduler offline', note: 'kept' };
const v2Data = { ...ref, note: 'kept', cause: 'scheduler_offline', startDeadlineSeconds: null, detail: null };

function v1Missed(): NewEvent {
  const metadata = { eventId: randomUUID(), occurredAt: ref.at, actor: 'system:scheduler', correlationId: 'c', causationId: 'c', schemaVersion: 1, origin: 'kept' };
  return { type: 'ExecutionMissed', data: v1Data, metadata };
}

function expectCurrent(events: RecordedEvent[]): void {
  expect(events.map((e) => [e.type, e.data, e.metadata.schemaVersion, (e.metadata as unknown as { origin: string }).origin])).toEqual([
    ['ExecutionMissed', v2Data, 2, 'kept'],
  ]);
}

async function firstBatch(store: EventStore): Promise<RecordedEvent[]> {
  const subscription = store.subscribeToAll({ after: null, filter: { streamPrefixes: ['execution-'] } });
  for await (const batch of subscription) {
    await subscription.close();
    return batch;
  }
  throw new Error('the subscription ended without a batch');
}

/**
 * Every way a stored event reaches a reader goes through the upcaster: reads of a stream (deciders,
 * audit), of `$all` (projections, process managers, rebuilds) and subscriptions (live events), whether
 * the events come from SQL or from what the store just wrote itself.
 */
describe.each([
  ['on its own connection', false],
  ['through a writer thread', true],
])('SQLite event store with the registry (%s)', (_, writerThread) => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('hands every reader the current shape of an event it wrote itself (the recent events in memory)', async () => {
    const store = SqliteEventStore.open({ file: join(temp.dir, `own-${String(writerThread)}.db`), writerThread, upcaster: new EventUpcasting() });
    try {
      await store.append('execution-x1', [v1Missed()], 'no_stream');
      expectCurrent(await store.readAll());
      expectCurrent(await firstBatch(store));
      expectCurrent(await store.readStream('execution-x1'));
    } finally {
      await store.close();
    }
  });

  it('hands every reader the current shape of events read back from the file (another process, a restart)', async () => {
    const file = join(temp.dir, `file-${String(writerThread)}.db`);
    const older = SqliteEventStore.open({ file });
    await older.append('execution-x1', [v1Missed()], 'no_stream');
    // Without the registry a store answers what is stored: what tools that check stored bytes read.
    expect((await older.readAll()).map((e) => [e.data, e.metadata.schemaVersion])).toEqual([[v1Data, 1]]);
    await older.close();
    const store = SqliteEventStore.open({ file, writerThread, upcaster: new EventUpcasting() });
    try {
      expectCurrent(await store.readAll({ filter: { streamPrefixes: ['execution-'] } }));
      expectCurrent(await firstBatch(store));
      expectCurrent(await store.readStream('execution-x1', { direction: 'backwards' }));
    } finally {
      await store.close();
    }
  });
});

const url = process.env.EVENTSTORE_URL;
(url ? describe : describe.skip)(`EventStoreDB adapter with the registry${url ? '' : ' — skipped: EVENTSTORE_URL is not set'}`, () => {
  it('hands every reader the current shape', async () => {
    const store = EsdbEventStore.connect(url!, { upcaster: new EventUpcasting() });
    const stream = `execution-${randomUUID()}`;
    try {
      const { position } = await store.append(stream, [v1Missed()], 'no_stream');
      expectCurrent(await store.readStream(stream));
      expectCurrent(await store.readAll({ after: position - 1, filter: { streamPrefixes: [stream] } }));
    } finally {
      await store.close();
    }
  });
});
