// SQLite internals: the embedded event store itself; what every engine shares is in event-store-contract.ts.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UnavailableError, ValidationError } from '../../src/errors/app-error';
import { StaleFencingTokenError, StreamDeletedError, StreamNotFoundError, WrongExpectedRevisionError } from '../../src/errors/store-errors';
import type { NewEvent, RecordedEvent } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { type Ack, CRASH_STREAM_PREFIX } from '../support/crash-appender';
import { distPath } from '../support/dist';
import { makeTempDir } from '../support/temp-dir';
import { waitFor } from '../support/wait-for';
import { describeEventStoreContract } from './event-store-contract';

describeEventStoreContract('SQLite', async () => {
  const temp = makeTempDir('sqlite-event-store-');
  const store = SqliteEventStore.open({ file: join(temp.dir, 'events.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      temp.cleanup();
    },
  };
});

describeEventStoreContract('SQLite, appending through a writer thread', async () => {
  const temp = makeTempDir('sqlite-event-store-');
  const store = SqliteEventStore.open({ file: join(temp.dir, 'events.db'), writerThread: true });
  return {
    store,
    cleanup: async () => {
      await store.close();
      temp.cleanup();
    },
  };
});

describe('SqliteEventStore', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    temp = makeTempDir('sqlite-event-store-');
    file = join(temp.dir, 'events.db');
    store = SqliteEventStore.open({ file });
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  describe('connection settings', () => {
    it('uses WAL, synchronous=FULL by default and a busy timeout', () => {
      expect(store.connectionSettings()).toEqual({ journalMode: 'wal', synchronous: 'FULL', busyTimeoutMs: 5000 });
    });

    it('can trade power-loss safety for speed with synchronous=NORMAL', async () => {
      const normal = SqliteEventStore.open({ file: join(temp.dir, 'normal.db'), synchronous: 'NORMAL' });
      try {
        expect(normal.connectionSettings()).toMatchObject({ journalMode: 'wal', synchronous: 'NORMAL' });
      } finally {
        await normal.close();
      }
    });
  });

  describe('group commit', () => {
    it('commits concurrent appends in one transaction and fails only the conflicting one', async () => {
      await store.append('task-conflicted', [event()], 'no_stream');
      const commitsBefore = store.commitCount;

      const good = Array.from({ length: 50 }, (_, i) => store.append(`task-${i}`, [event(), event()], 'no_stream'));
      const conflicting = store.append('task-conflicted', [event()], 5);
      const results = await Promise.allSettled([...good, conflicting]);

      expect(results.slice(0, 50).every((r) => r.status === 'fulfilled')).toBe(true);
      expect(results[50]).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevisionError) });
      expect(store.commitCount - commitsBefore).toBe(1);
      const all = await store.readAll();
      expect(all).toHaveLength(1 + 50 * 2);
      expect(all.filter((e) => e.streamId === 'task-conflicted')).toHaveLength(1);
    });

    it('applies appends to the same stream in one transaction in call order', async () => {
      const results = await Promise.allSettled([
        store.append('task-1', [event()], 'no_stream'),
        store.append('task-1', [event()], 0),
        store.append('task-1', [event()], 0),
        store.append('task-1', [event()], 'any'),
      ]);

      const revisions = results.map((r) => (r.status === 'fulfilled' ? r.value.nextExpectedRevision : 'rejected'));
      expect(revisions).toEqual([0, 1, 'rejected', 2]);
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ expected: 0, actual: 1 });
    });

    it('rolls back an append that fails half-way without touching the others of its transaction', async () => {
      // A trigger makes the third insert of one append fail after two rows of it were written.
      const raw = new Database(file);
      raw.exec(`CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.type = 'Poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned event'); END`);
      raw.close();
      const commitsBefore = store.commitCount;

      const [before, poisoned, after] = await Promise.allSettled([
        store.append('task-before', [event()], 'no_stream'),
        store.append('task-poisoned', [event(), event(), event('Poison')], 'no_stream'),
        store.append('task-after', [event()], 'no_stream'),
      ]);

      expect(store.commitCount - commitsBefore).toBe(1);
      expect(before.status).toBe('fulfilled');
      expect(after.status).toBe('fulfilled');
      expect(poisoned).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'poisoned event' }) });
      await expect(store.readStream('task-poisoned')).rejects.toBeInstanceOf(StreamNotFoundError);
      expect((await store.readAll()).map((e) => e.streamId)).toEqual(['task-before', 'task-after']);
    });

    it('checks the fence inside the transaction, in submission order: a raise refuses the older term queued after it, alone', async () => {
      const commitsBefore = store.commitCount;
      const results = await Promise.allSettled([
        store.append('task-old-term', [event()], 'any', { fencingToken: 1 }),
        store.raiseFence(2),
        store.append('task-stale', [event(), event()], 'any', { fencingToken: 1 }),
        store.append('task-unfenced', [event()], 'any'),
        store.append('task-new-term', [event()], 'any', { fencingToken: 2 }),
      ]);

      expect(store.commitCount - commitsBefore).toBe(1);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(StaleFencingTokenError);
      // The leader's writes keep their order among themselves and commit ahead of the unfenced one (group-commit.ts).
      expect((await store.readAll()).map((e) => e.streamId)).toEqual(['task-old-term', 'task-new-term', 'task-unfenced']);
      // The fence is a row of the file: another connection (another process) sees it.
      const raw = new Database(file, { readonly: true });
      expect(raw.prepare("SELECT token FROM fences WHERE name = 'leader'").pluck().get()).toBe(2);
      raw.close();
    });

    it('a fence raised by another connection refuses this one\'s older token', async () => {
      const other = SqliteEventStore.open({ file });
      try {
        await other.append('task-elsewhere', [event()], 'any', { fencingToken: 5 });
        await expect(store.append('task-here', [event()], 'any', { fencingToken: 4 })).rejects.toMatchObject({ token: 4, fence: 5 });
        await expect(store.readStream('task-here')).rejects.toBeInstanceOf(StreamNotFoundError);
      } finally {
        await other.close();
      }
    });

    it('shares transactions among closed-loop appenders', async () => {
      const commitsBefore = store.commitCount;

      await Promise.all(
        Array.from({ length: 16 }, async (_, i) => {
          for (let revision = 0; revision < 20; revision++) {
            await store.append(`task-${i}`, [event()], revision === 0 ? 'no_stream' : revision - 1);
          }
        }),
      );

      // 16 appenders woken by the same commit append again before the next flush.
      expect(store.commitCount - commitsBefore).toBeLessThanOrEqual(20 + 1);
    });
  });

  describe('several connections on one file', () => {
    it('checks expected revisions against what the other connection committed', async () => {
      const other = SqliteEventStore.open({ file });
      try {
        await store.append('task-1', [event()], 'no_stream');
        await other.append('task-1', [event()], 0);

        await expect(store.append('task-1', [event()], 0)).rejects.toMatchObject({ expected: 0, actual: 1 });
        expect((await store.append('task-1', [event()], 1)).nextExpectedRevision).toBe(2);
        await other.deleteStream('task-1');
        await expect(store.append('task-1', [event()], 'any')).rejects.toBeInstanceOf(StreamDeletedError);
      } finally {
        await other.close();
      }
    });
  });

  describe('readAll', () => {
    it('returns every event after a position, in position order, up to maxCount', async () => {
      await store.append('task-1', [event(), event()], 'no_stream');
      await store.append('execution-1', [event()], 'no_stream');
      await store.append('task-1', [event()], 1);
      const all = await store.readAll();

      expect(all.map((e) => [e.streamId, e.revision])).toEqual([
        ['task-1', 0],
        ['task-1', 1],
        ['execution-1', 0],
        ['task-1', 2],
      ]);
      expect(await store.readAll({ after: all[1].position, maxCount: 1 })).toEqual([all[2]]);
      expect(await store.readAll({ after: all[3].position })).toEqual([]);
    });

    it('keeps positions increasing after reopening the file', async () => {
      const { position } = await store.append('task-1', [event()], 'no_stream');
      await store.close();
      store = SqliteEventStore.open({ file });

      expect(await store.headPosition()).toBe(position);
      expect((await store.append('task-2', [event()], 'no_stream')).position).toBeGreaterThan(position);
    });

    it('rejects a position that is not an integer, such as an unparsed decimal string', async () => {
      await expect(store.readAll({ after: '5' as unknown as number })).rejects.toBeInstanceOf(ValidationError);
      expect(() => store.subscribeToAll({ after: 1.5 })).toThrow(ValidationError);
      expect(() => store.subscribeToAll({ after: null, maxBatch: 0 })).toThrow(ValidationError);
    });

    it('returns -1 for revision and position on an empty append to a stream without events', async () => {
      expect(await store.append('task-1', [], 'no_stream')).toEqual({ nextExpectedRevision: -1, position: -1 });
      expect(await store.headPosition()).toBeNull();
    });
  });

  describe('subscriptions', () => {
    it('sees events appended by another process on the same file', async () => {
      const watcher = SqliteEventStore.open({ file, pollIntervalMs: 20 });
      const received: RecordedEvent[] = [];
      const subscription = watcher.subscribeToAll({ after: null, filter: { streamPrefixes: [CRASH_STREAM_PREFIX] } });
      const done = (async () => {
        for await (const batch of subscription) received.push(...batch);
      })();
      try {
        const acks = await runAppender(file, 40);
        const acknowledgedIds = acks.flatMap((ack) => ack.eventIds);

        await waitFor(() => received.length >= acknowledgedIds.length, { what: 'the other process’s events' });
        expect(received.map((e) => e.metadata.eventId).sort()).toEqual(acknowledgedIds.sort());
      } finally {
        await watcher.close();
        await done;
      }
    });

    it('ends subscriptions when the store closes', async () => {
      const subscription = store.subscribeToAll({ after: null });
      const done = (async () => {
        for await (const _batch of subscription) {
          // nothing stored yet
        }
      })();

      await store.close();

      await expect(done).resolves.toBeUndefined();
    });
  });

  describe('close', () => {
    it('rejects later calls with UnavailableError', async () => {
      await store.close();

      await expect(store.append('task-1', [event()], 'any')).rejects.toBeInstanceOf(UnavailableError);
      await expect(store.readAll()).rejects.toThrow('The event store is closed');
      await expect(store.ping()).rejects.toBeInstanceOf(UnavailableError);
    });
  });
});

/** Runs test/support/crash-appender.ts to completion in its own process and returns its acks. */
async function runAppender(file: string, appends: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [distPath('test/support/crash-appender.ts'), file, '--max-appends', String(appends)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`crash-appender exited with ${code}`);
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Ack);
}

function event(type = 'Happened'): NewEvent {
  const eventId = randomUUID();
  return {
    type,
    data: { value: eventId },
    metadata: {
      eventId,
      occurredAt: '2030-01-01T00:00:00.000Z',
      actor: 'system:test',
      correlationId: eventId,
      causationId: eventId,
      schemaVersion: 1,
    },
  };
}
