// SQLite internals: a connection reading what another connection commits (the projection thread).
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { makeTempDir } from '../support/temp-dir';
import { testEvent } from '../support/test-events';

describe('SQLite event store: reading commits made by another connection', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let writer: SqliteEventStore;
  let reader: SqliteEventStore;

  beforeEach(() => {
    temp = makeTempDir('foreign-commits-');
    const file = join(temp.dir, 'events.db');
    writer = SqliteEventStore.open({ file, synchronous: 'NORMAL' });
    reader = SqliteEventStore.open({ file, synchronous: 'NORMAL' });
  });
  afterEach(async () => {
    await reader.close();
    await writer.close();
    temp.cleanup();
  });

  async function appendRound(round: number): Promise<void> {
    for (let i = 0; i < 10; i++) await writer.append(`${['task', 'execution', 'project'][i % 3]}-r${round}i${i}`, [testEvent('Something')], 'no_stream');
  }

  it('reads new events once for every filter near the head, and answers each filter as SQL would', async () => {
    await appendRound(0);
    const start = (await reader.headPosition())!;
    const filters = [['task-'], ['execution-'], ['project-'], ['task-', 'execution-'], []];
    for (let round = 1; round <= 5; round++) {
      await appendRound(round);
      const pulledBefore = reader.eventsPulled();
      const answers = await Promise.all(filters.map((prefixes) => reader.readAll({ after: start, filter: prefixes.length ? { streamPrefixes: prefixes } : undefined })));
      // Each new event is read from SQL once for all five readers (not once per reader).
      expect(reader.eventsPulled() - pulledBefore).toBe(10);
      const all = await writer.readAll({ after: start });
      filters.forEach((prefixes, i) => {
        const expected = all.filter((event) => prefixes.length === 0 || prefixes.some((prefix) => event.streamId.startsWith(prefix)));
        expect(answers[i]!.map((event) => event.position)).toEqual(expected.map((event) => event.position));
      });
    }
  });

  it('reads through SQL, filtered, when the reader is far behind the head', async () => {
    for (let round = 0; round < 250; round++) await appendRound(round);
    const pulledBefore = reader.eventsPulled();
    const tasks = await reader.readAll({ after: 0, filter: { streamPrefixes: ['task-'] } });
    expect(tasks).toHaveLength(1000);
    expect(reader.eventsPulled() - pulledBefore).toBe(1000);
  });
});
