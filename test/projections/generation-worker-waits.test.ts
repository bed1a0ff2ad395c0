import { join } from 'node:path';
import { GenerationWorker } from '../../src/projections/generation-worker';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from '../support/silent-logger';
import { streamStatsProjection } from '../support/stream-stats-projection';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

/**
 * Read-your-writes waits ask a projection whether it has processed a position; under load dozens ask at
 * once after every applied batch. A worker that is not started stands still at its checkpoint here.
 */
describe('generation worker: waits for a position', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  let worker: GenerationWorker;

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
    worker = new GenerationWorker(streamStatsProjection(), 1, events, reads, silentLogger);
    await worker.prepare();
  });
  afterEach(async () => {
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  it('answers many waits at one checkpoint with one search of the store', async () => {
    const first = await events.append('execution-a', [testEvent('Started')], 'no_stream');
    const targets: number[] = [];
    for (let i = 0; i < 50; i++) targets.push(Number((await events.append(`execution-w${i}`, [testEvent('Started')], 'no_stream')).position));
    const reads = jest.spyOn(events, 'readAll');
    const answers = await Promise.all(targets.map((target) => worker.hasProcessed(target)));
    expect(answers.every((done) => done === false)).toBe(true);
    expect(reads).toHaveBeenCalledTimes(1);
    // Later waits at the same checkpoint reuse the event found: it stays the first one until the checkpoint moves.
    expect(await worker.hasProcessed(Number(first.position) - 1)).toBe(true);
    expect(await worker.hasProcessed(targets[10])).toBe(false);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('never answers a wait for a write with "nothing to apply" found before that write', async () => {
    const applied = await events.append('task-t', [testEvent('Created')], 'no_stream');
    const ignored = await events.append('project-p', [testEvent('NotForThisProjection')], 'no_stream');
    // Past the consumed event, as if applied (as a follower's worker takes it from the applying one).
    worker.noteProgress(Number(applied.position), null);
    const earlier = worker.hasProcessed(Number(ignored.position));
    const consumed = await events.append('task-u', [testEvent('Created')], 'no_stream');
    // Asked while the earlier wait's search is the one on record at this checkpoint.
    const later = worker.hasProcessed(Number(consumed.position));
    expect(await earlier).toBe(true);
    expect(await later).toBe(false);
  });

  // SQLite's own: its HTTP thread answers from the events its writer thread has reported, while a commit
  // it has not been told of yet is already visible to SQL (recent-events.ts).
  it('searches again for a write committed while another wait searched, before the store was told of it', async () => {
    const store = SqliteEventStore.open({ file: join(temp.dir, 'threaded-events.db'), writerThread: true });
    try {
      const threadWorker = new GenerationWorker(streamStatsProjection(), 1, store, reads, silentLogger);
      const applied = await store.append('task-t', [testEvent('Created')], 'no_stream');
      const ignored = await store.append('project-p', [testEvent('NotForThisProjection')], 'no_stream');
      threadWorker.noteProgress(Number(applied.position), null);
      const appending = store.append('task-u', [testEvent('Created')], 'no_stream');
      // One turn of the loop posts the append to the writer thread; then only microtasks until SQL shows
      // the commit, so the writer thread's report (a message) waits meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      for (let spins = 0; (await store.headPosition()) === ignored.position; spins++) {
        if (spins > 5_000_000) throw new Error('the writer thread did not commit');
      }
      const earlier = threadWorker.hasProcessed(Number(ignored.position));
      const consumed = await appending;
      expect(await earlier).toBe(true);
      expect(await threadWorker.hasProcessed(Number(consumed.position))).toBe(false);
    } finally {
      await store.close();
    }
  });
});
