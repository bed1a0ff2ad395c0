import { join } from 'node:path';
import { ValidationError } from '../../src/errors/app-error';
import type { EventUpcaster, ReadPagesOptions, RecordedEvent, StreamFilter } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';
import { newEvent } from './event-store-contract';

const FILTER: StreamFilter = { streamPrefixes: ['execution-', 'executionlog-'], withoutData: ['executionlog-'] };

/** Marks every event read, as a real upcaster brings old shapes to current ones. */
const MARKING: EventUpcaster = { upcast: (event) => ({ ...event, data: { upcast: true, was: event.data } }) };

describe('SQLite readAllPages, read ahead on a thread of its own', () => {
  const temp = makeTempDir('sqlite-read-ahead-');
  const file = join(temp.dir, 'events.db');
  let head = 0;

  beforeAll(async () => {
    const writer = SqliteEventStore.open({ file, synchronous: 'NORMAL' });
    for (let i = 0; i < 60; i++) {
      await writer.append(`execution-e${i}`, [newEvent('ExecutionCreated', { executionId: `e${i}`, name: `"quoted" \\ ${i} ü` })], 'no_stream');
      await writer.append(`executionlog-e${i}`, [newEvent('ExecutionLogsAppended', { lines: [{ message: `line ${i}` }] })], 'any');
      if (i % 3 === 0) await writer.append(`task-t${i}`, [newEvent('TaskCreated', { taskId: `t${i}`, schedule: null })], 'no_stream');
      ({ position: head } = await writer.append(`execution-e${i}`, [newEvent('ExecutionSucceeded', { executionId: `e${i}` })], 0));
    }
    await writer.close();
  });
  afterAll(() => temp.cleanup());

  async function withStore<T>(options: { readAheadFrom?: number; upcaster?: EventUpcaster }, use: (store: SqliteEventStore) => Promise<T>): Promise<T> {
    const store = SqliteEventStore.open({ file, ...options });
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  }

  async function pagesOf(store: SqliteEventStore, options: ReadPagesOptions): Promise<RecordedEvent[][]> {
    const pages: RecordedEvent[][] = [];
    for await (const page of store.readAllPages(options)) pages.push(page);
    return pages;
  }

  /**
   * What readAll gives, cut at `through`: what every page read must equal. The data of a `withoutData`
   * category is null or whole, as the port allows (readAll answers near the head from the events it
   * holds parsed): compared as null on both sides, and the read ahead always leaves it out.
   */
  async function expected(store: SqliteEventStore, { after, through, filter }: ReadPagesOptions): Promise<RecordedEvent[]> {
    return withoutData((await store.readAll({ after, filter })).filter((event) => event.position <= through), filter);
  }

  function withoutData(events: RecordedEvent[], filter: StreamFilter | undefined): RecordedEvent[] {
    const categories = filter?.withoutData ?? [];
    return events.map((event) => (categories.some((category) => event.streamId.startsWith(category)) ? { ...event, data: null } : event));
  }

  const reads: Array<[string, ReadPagesOptions]> = [
    ['every event through the head', { through: Number.MAX_SAFE_INTEGER, pageSize: 7 }],
    ['two categories, one without its data, from and through the middle', { after: 20, through: 150, filter: FILTER, pageSize: 10 }],
    ['one category, in pages larger than the read', { filter: { streamPrefixes: ['task-'] }, through: 200, pageSize: 1000 }],
    ['one stream', { filter: { streamPrefixes: ['execution-e7'] }, through: 1000 }],
    ['nothing after the position', { after: 10_000, through: 20_000 }],
  ];

  it.each(reads)('gives on the thread what readAll gives: %s', async (_name, options) => {
    await withStore({ readAheadFrom: 0 }, async (store) => {
      const pages = await pagesOf(store, { ...options, through: Math.min(options.through, head) });
      const want = await expected(store, { ...options, through: Math.min(options.through, head) });

      expect(pages.flat()).toEqual(want);
      expect(withoutData(pages.flat(), options.filter)).toEqual(pages.flat());
      expect(pages.every((page) => page.length > 0 && page.length <= (options.pageSize ?? 500))).toBe(true);
    });
  });

  it('gives the same pages without the thread (a short read) as with it', async () => {
    const options: ReadPagesOptions = { after: 5, through: head - 3, filter: FILTER, pageSize: 9 };
    const withThread = await withStore({ readAheadFrom: 0 }, (store) => pagesOf(store, options));
    const withoutThread = await withStore({}, (store) => pagesOf(store, options));

    expect(withThread.flat()).toEqual(withoutData(withoutThread.flat(), FILTER));
    expect(withThread.flat().length).toBeGreaterThan(100);
    expect(withThread.flat().find((event) => event.streamId.startsWith('executionlog-'))?.data).toBeNull();
  });

  it("brings every event read ahead to the store's current shapes, as readAll does", async () => {
    await withStore({ readAheadFrom: 0, upcaster: MARKING }, async (store) => {
      const pages = await pagesOf(store, { through: head, pageSize: 50 });

      expect(pages.flat()).toEqual(await store.readAll());
      expect(pages.flat().every((event) => (event.data as { upcast?: boolean }).upcast === true)).toBe(true);
    });
  });

  it('ends the read when the reader stops early, and the store closes', async () => {
    await withStore({ readAheadFrom: 0 }, async (store) => {
      let taken = 0;
      for await (const page of store.readAllPages({ through: head, pageSize: 5 })) {
        taken += page.length;
        break;
      }
      expect(taken).toBe(5);
      // A second read after the first was abandoned starts from its own position.
      const [first] = await pagesOf(store, { after: 3, through: 8 });
      expect(first!.map((event) => event.position)).toEqual([4, 5, 6, 7, 8]);
    });
  });

  it('refuses bad arguments before reading anything', async () => {
    await withStore({ readAheadFrom: 0 }, async (store) => {
      expect(() => store.readAllPages({ through: 1.5 })).toThrow(ValidationError);
      expect(() => store.readAllPages({ after: -0.5, through: 10 })).toThrow(ValidationError);
      expect(() => store.readAllPages({ through: 10, pageSize: 0 })).toThrow(ValidationError);
      expect(() => store.readAllPages({ through: 10, filter: { streamPrefixes: [] } })).toThrow(ValidationError);
      expect(() => store.readAllPages({ through: 10, filter: { streamPrefixes: ['execution-'], withoutData: ['execution-e1'] } })).toThrow(ValidationError);
    });
  });

  it('reads an in-memory store on its own thread (no other thread can open it)', async () => {
    const store = SqliteEventStore.open({ file: ':memory:', readAheadFrom: 0 });
    try {
      await store.append('task-t1', [newEvent('TaskCreated')], 'no_stream');
      const { position } = await store.append('task-t2', [newEvent('TaskCreated')], 'no_stream');
      expect((await pagesOf(store, { through: position })).flat().map((event) => event.streamId)).toEqual(['task-t1', 'task-t2']);
    } finally {
      await store.close();
    }
  });
});
