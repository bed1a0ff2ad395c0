import { join } from 'node:path';
import { ValidationError } from '../../src/errors/app-error';
import type { RecordedEvent, StreamFilter } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';
import { newEvent } from './event-store-contract';

const LINES = { lines: [{ message: 'x'.repeat(1000) }] };
const FILTER: StreamFilter = { streamPrefixes: ['execution-', 'executionlog-'], withoutData: ['executionlog-'] };

describe('SQLite reads of $all without the data of some categories', () => {
  const temp = makeTempDir('sqlite-without-data-');
  const file = join(temp.dir, 'events.db');

  beforeAll(async () => {
    const writer = SqliteEventStore.open({ file });
    await writer.append('execution-e1', [newEvent('ExecutionCreated', { executionId: 'e1' })], 'no_stream');
    await writer.append('executionlog-e1', [newEvent('ExecutionLogsAppended', LINES)], 'any');
    await writer.append('task-t1', [newEvent('TaskCreated', { taskId: 't1' })], 'no_stream');
    await writer.append('execution-e1', [newEvent('ExecutionSucceeded', { executionId: 'e1' })], 0);
    await writer.close();
  });
  afterAll(() => temp.cleanup());

  /** A store opened afresh: its reads come from SQL, not from the events it committed itself. */
  async function withStore<T>(use: (store: SqliteEventStore) => Promise<T>): Promise<T> {
    const store = SqliteEventStore.open({ file });
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
      ]);
      // One prefix (its own index range), and every stream ('' prefix).
      expect(shapes(await store.readAll({ filter: { streamPrefixes: ['executionlog-'], withoutData: ['executionlog-'] } }))).toEqual([['executionlog-e1', 'ExecutionLogsAppended', null]]);
      const everything = await store.readAll({ filter: { streamPrefixes: [''], withoutData: ['executionlog-'] } });
      expect(everything.map((e) => e.data)).toEqual([{ executionId: 'e1' }, null, { taskId: 't1' }, { executionId: 'e1' }]);
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

  it('refuses anything but whole categories, for reads and subscriptions alike', async () => {
    await withStore(async (store) => {
      for (const withoutData of [['executionlog-e1'], ['executionlog'], ['']]) {
        await expect(store.readAll({ filter: { streamPrefixes: ['execution'], withoutData } })).rejects.toThrow(ValidationError);
        expect(() => store.subscribeToAll({ after: null, filter: { streamPrefixes: ['execution'], withoutData } })).toThrow(/withoutData takes whole categories/);
      }
    });
  });
});
