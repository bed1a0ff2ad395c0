import { join } from 'node:path';
import { type ReplayingManager, replayTogether, unionOf } from '../../src/process-managers/shared-replay';
import type { StreamFilter } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { newEvent } from '../stores/event-store-contract';
import { makeTempDir } from '../support/temp-dir';

describe("the shared replay's filter: the union of the managers'", () => {
  it('passes every prefix any manager follows, and every event when one follows everything', () => {
    expect(unionOf([{ streamPrefixes: ['task-'] }, { streamPrefixes: ['execution-', 'task-'] }])).toEqual({ streamPrefixes: ['task-', 'execution-'] });
    expect(unionOf([{ streamPrefixes: ['task-'] }, undefined])).toBeUndefined();
    expect(unionOf([{ streamPrefixes: ['task-'] }, { streamPrefixes: [''] }])).toBeUndefined();
  });

  it('reads a category without its data only when no manager that follows it needs the data', () => {
    const dispatcher = { streamPrefixes: ['execution-', 'executionlog-'], withoutData: ['executionlog-'] };
    expect(unionOf([dispatcher, { streamPrefixes: ['task-'] }])).toEqual({ streamPrefixes: ['execution-', 'executionlog-', 'task-'], withoutData: ['executionlog-'] });
    // Another manager reads log batches whole: so does the replay.
    expect(unionOf([dispatcher, { streamPrefixes: ['executionlog-'] }])?.withoutData).toBeUndefined();
    // A bare prefix (`execution`) covers `executionlog-…` too.
    expect(unionOf([dispatcher, { streamPrefixes: ['execution'] }])?.withoutData).toBeUndefined();
  });
});

describe('the shared replay', () => {
  const temp = makeTempDir('shared-replay-');
  const file = join(temp.dir, 'events.db');
  const positions: number[] = [];

  beforeAll(async () => {
    const store = SqliteEventStore.open({ file, synchronous: 'NORMAL' });
    for (let i = 0; i < 40; i++) {
      positions.push((await store.append(`task-t${i}`, [newEvent('TaskCreated')], 'no_stream')).position);
      positions.push((await store.append(`execution-e${i}`, [newEvent('ExecutionCreated')], 'no_stream')).position);
      positions.push((await store.append(`executionlog-e${i}`, [newEvent('ExecutionLogsAppended', { lines: [] })], 'any')).position);
    }
    await store.close();
  });
  afterAll(() => temp.cleanup());

  /** A manager that notes what it is given. */
  function recorder(filter: StreamFilter, replayThrough: number, replayAfter: number | null = null) {
    const seen: string[] = [];
    let reached: number | null = null;
    const manager: ReplayingManager = {
      filter,
      replayThrough,
      replayAfter,
      async replay(batch, through) {
        seen.push(...batch.map((event) => `${event.position}:${event.streamId}`));
        reached = through;
      },
    };
    return { manager, seen, reached: () => reached };
  }

  it.each([
    ['read on this thread', 1_000_000],
    ['read ahead on another thread', 0],
  ])('hands each manager the events it follows up to its checkpoint, in order, once: %s', async (_how, readAheadFrom) => {
    const store = SqliteEventStore.open({ file, readAheadFrom });
    try {
      const tasks = recorder({ streamPrefixes: ['task-'] }, positions[60]!);
      const executions = recorder({ streamPrefixes: ['execution-', 'executionlog-'], withoutData: ['executionlog-'] }, positions[100]!);

      await replayTogether([tasks.manager, executions.manager], store, () => false);

      const all = await store.readAll();
      const expected = (prefixes: string[], through: number) =>
        all.filter((e) => e.position <= through && prefixes.some((p) => e.streamId.startsWith(p))).map((e) => `${e.position}:${e.streamId}`);
      expect(tasks.seen).toEqual(expected(['task-'], positions[60]!));
      expect(executions.seen).toEqual(expected(['execution-', 'executionlog-'], positions[100]!));
      expect(tasks.reached()).toBe(positions[60]);
      expect(executions.reached()).toBe(positions[100]);
    } finally {
      await store.close();
    }
  });

  it('hands a manager restored from a snapshot only the events after it, and reads from the lowest snapshot', async () => {
    const store = SqliteEventStore.open({ file });
    try {
      const reads = jest.spyOn(store, 'readAllPages');
      const tasks = recorder({ streamPrefixes: ['task-'] }, positions[90]!, positions[30]!);
      const executions = recorder({ streamPrefixes: ['execution-'] }, positions[100]!, positions[60]!);
      // Restored at its checkpoint: nothing to replay, and no reason to read from where it stands.
      const caughtUp = recorder({ streamPrefixes: ['executionlog-'] }, positions[10]!, positions[10]!);

      await replayTogether([tasks.manager, executions.manager, caughtUp.manager], store, () => false);

      const all = await store.readAll();
      const expected = (prefix: string, after: number, through: number) =>
        all.filter((e) => e.position > after && e.position <= through && e.streamId.startsWith(prefix)).map((e) => `${e.position}:${e.streamId}`);
      expect(reads.mock.calls.map(([options]) => options.after)).toEqual([positions[30]]);
      expect(tasks.seen).toEqual(expected('task-', positions[30]!, positions[90]!));
      expect(executions.seen).toEqual(expected('execution-', positions[60]!, positions[100]!));
      expect(caughtUp.seen).toEqual([]);
      expect(executions.reached()).toBe(positions[100]);
    } finally {
      await store.close();
    }
  });
});
