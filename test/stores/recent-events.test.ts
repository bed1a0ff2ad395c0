// SQLite internals: the in-memory cache of recent commits, between connections to one file (poll interval, writer thread).
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';
import { testEvent } from '../support/test-events';
import { waitFor } from '../support/wait-for';

/**
 * Subscribers are served just-committed events from memory; commits of another connection on the same
 * file must still show up, in order, between this connection's own.
 */
describe('SQLite event store: recent events and other connections', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it.each([
    ['on its own connection', false],
    ['through a writer thread', true],
  ])('interleaves this store\'s commits (%s) with another connection\'s, with no gap and no duplicate', async (_, writerThread) => {
    const file = join(temp.dir, `events-${String(writerThread)}.db`);
    const mine = SqliteEventStore.open({ file, pollIntervalMs: 10, writerThread });
    const other = SqliteEventStore.open({ file, pollIntervalMs: 10 });
    try {
      const subscription = mine.subscribeToAll({ after: null, filter: { streamPrefixes: ['task-'] } });
      const seen: string[] = [];
      const consuming = (async () => {
        for await (const batch of subscription) seen.push(...batch.map((e) => e.type));
      })();
      const order: string[] = [];
      let checkpoint: number | null = null;
      for (let round = 0; round < 20; round++) {
        const writer = round % 3 === 0 ? other : mine;
        const type = `E${round}`;
        await writer.append(`task-${round % 4}`, [testEvent(type)], 'any');
        await writer.append('project-x', [testEvent(`P${round}`)], 'any');
        order.push(type);
        // Reads through `mine` right after each commit, from a checkpoint, as projections do.
        const fresh = await mine.readAll({ after: checkpoint, filter: { streamPrefixes: ['task-'] } });
        expect(fresh.map((e) => e.type)).toEqual([type]);
        checkpoint = fresh[0].position;
      }
      await waitFor(() => seen.length === order.length, { what: 'every event through the subscription' });
      expect(seen).toEqual(order);
      await subscription.close();
      await consuming;
    } finally {
      await mine.close();
      await other.close();
    }
  });
});
