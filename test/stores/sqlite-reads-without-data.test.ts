import { join } from 'node:path';
import { ValidationError } from '../../src/errors/app-error';
import type { EventMetadata, RecordedEvent, StreamFilter } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';
import { newEvent } from './event-store-contract';

const LINES = { lines: [{ message: 'x'.repeat(1000) }] };
const FILTER: StreamFilter = { streamPrefixes: ['execution-', 'executionlog-'], withoutData: ['executionlog-'] };

describe('SQLite reads of $all without the data of some categories, or without metadata', () => {
  const temp = makeTempDir('sqlite-without-data-');
  const file = join(temp.dir, 'events.db');

  beforeAll(async () => {
    const writer = SqliteEventStore.open({ file });
    await writer.append('execution-e1', [newEvent('ExecutionCreated', { executionId: 'e1' })], 'no_stream');
    await writer.append('executionlog-e1', [newEvent('ExecutionLogsAppended', LINES)], 'any');
    // Stored without a schema version (as before versions were written).
    const { schemaVersion: _none, ...unversioned } = newEvent('TaskCreated', { taskId: 't1' }).metadata;
    await writer.append('task-t1', [{ type: 'TaskCreated', data: { taskId: 't1' }, metadata: unversioned as EventMetadata }], 'no_stream');
    await writer.append('execution-e1', [newEvent('ExecutionSucceeded', { executionId: 'e1' })], 0);
    const versioned = newEvent('ExecutionMissed', { executionId: 'e2' });
    await writer.append('execution-e2', [{ ...versioned, metadata: { ...versioned.metadata, schemaVersion: 2 } }], 'no_stream');
    await writer.close();
  });
  afterAll(() => temp.cleanup());

  /** A store opened afresh: its reads come from SQL, not from the events it committed itself. */
  async function withStore<T>(use: (store: SqliteEventStore) => Promise<T>, readAheadFrom?: number): Promise<T> {
    const store = SqliteEventStore.open({ file, ...(readAheadFrom !== undefined ? { readAheadFrom } : {}) });
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  }

  const shapes = (events: RecordedEvent[]) => events.map((e) => [e.streamId, e.type, e.data]);

  it('hands over the named categories with data null, every other event whole, in order, with or without other prefixes', async () => {
    await withStore(async (store) => {
      expect(shapes(await store.readAll({ filter: FILTER }))).toEqual([
        ['execution-e1', 'ExecutionCreated', { executionId: 'e1' }],
        ['executionlog-e1', 'ExecutionLogsAppended', null],
        ['execution-e1', 'ExecutionSucceeded', { executionId: 'e1' }],
        ['execution-e2', 'ExecutionMissed', { executionId: 'e2' }],
      ]);
      // One prefix (its own index range), and every stream ('' prefix).
      expect(shapes(await store.readAll({ filter: { streamPrefixes: ['executionlog-'], withoutData: ['executionlog-'] } }))).toEqual([['executionlog-e1', 'ExecutionLogsAppended', null]]);
      const everything = await store.readAll({ filter: { streamPrefixes: [''], withoutData: ['executionlog-'] } });
      expect(everything.map((e) => e.data)).toEqual([{ executionId: 'e1' }, null, { taskId: 't1' }, { executionId: 'e1' }, { executionId: 'e2' }]);
      // Without withoutData, the same read is whole.
      expect((await store.readAll({ filter: { streamPrefixes: ['executionlog-'] } }))[0].data).toEqual(LINES);
    });
  });

  it('does the same for a subscription catching up', async () => {
    await withStore(async (store) => {
      const subscription = store.subscribeToAll({ after: null, filter: FILTER });
      const iterator = subscription[Symbol.asyncIterator]();
      const { value } = await iterator.next();
      await subscription.close();
      expect(shapes(value as RecordedEvent[])[1]).toEqual(['executionlog-e1', 'ExecutionLogsAppended', null]);
    });
  });

  it('hands over only the schema version of metadata with withoutMetadata, in reads, pages and a subscription, data untouched', async () => {
    const lean: StreamFilter = { ...FILTER, withoutMetadata: true };
    const expected = [
      ['execution-e1', { executionId: 'e1' }, { schemaVersion: 1 }],
      ['executionlog-e1', null, { schemaVersion: 1 }],
      ['execution-e1', { executionId: 'e1' }, { schemaVersion: 1 }],
      ['execution-e2', { executionId: 'e2' }, { schemaVersion: 2 }],
    ];
    const leanShapes = (events: RecordedEvent[]) => events.map((e) => [e.streamId, e.data, e.metadata]);
    // Reads from the start come from SQL: near the head, a store may answer from the events it holds whole.
    await withStore(async (store) => {
      expect(leanShapes(await store.readAll({ filter: lean }))).toEqual(expected);
    });
    // A rebuild's pages, read ahead on another thread.
    await withStore(async (store) => {
      const pages: RecordedEvent[] = [];
      for await (const page of store.readAllPages({ through: (await store.headPosition())!, filter: lean, pageSize: 2 })) pages.push(...page);
      expect(leanShapes(pages)).toEqual(expected);
    }, 1);
    await withStore(async (store) => {
      const subscription = store.subscribeToAll({ after: null, filter: lean });
      const { value } = await subscription[Symbol.asyncIterator]().next();
      await subscription.close();
      expect(leanShapes(value as RecordedEvent[])).toEqual(expected);
    });
    await withStore(async (store) => {
      // The one prefix and the every-stream shapes of the SQL too; and without the flag, metadata is whole.
      expect((await store.readAll({ filter: { streamPrefixes: ['execution-'], withoutMetadata: true } })).map((e) => e.metadata)).toEqual([{ schemaVersion: 1 }, { schemaVersion: 1 }, { schemaVersion: 2 }]);
    });
    await withStore(async (store) => {
      expect((await store.readAll({ filter: { streamPrefixes: [''], withoutMetadata: true } })).map((e) => e.metadata)).toEqual([1, 1, null, 1, 2].map((schemaVersion) => ({ schemaVersion })));
    });
    await withStore(async (store) => {
      const whole = await store.readAll({ filter: FILTER });
      expect(whole.map((e) => e.metadata.actor)).toEqual(Array(4).fill('system:contract-test'));
      expect(whole[3]!.metadata.schemaVersion).toBe(2);
    });
  });

  it('refuses anything but whole categories, for reads and subscriptions alike', async () => {
    await withStore(async (store) => {
      for (const withoutData of [['executionlog-e1'], ['executionlog'], ['']]) {
        await expect(store.readAll({ filter: { streamPrefixes: ['execution'], withoutData } })).rejects.toThrow(ValidationError);
        expect(() => store.subscribeToAll({ after: null, filter: { streamPrefixes: ['execution'], withoutData } })).toThrow(/withoutData takes whole categories/);
      }
    });
  });
});
