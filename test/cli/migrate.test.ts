import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConflictError, ValidationError } from '../../src/errors/app-error';
import { StreamDeletedError } from '../../src/errors/store-errors';
import { EventUpcasting } from '../../src/events/event-upcasting';
import { executionLogStream, executionStream } from '../../src/events/streams';
import { createLogger } from '../../src/logging/logger';
import { allProjections } from '../../src/projections/all-projections';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { readModelHash } from '../../src/projections/read-model-hash';
import type { RecordedEvent } from '../../src/stores/events/event-store';
import { migrateEvents } from '../../src/stores/events/migrate-events';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { parseStoreUrl, sameStore } from '../../src/stores/migrate-stores';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { importAndBuild, type RebuiltHistory } from '../support/golden-history/rebuild-hashes';
import { distPath } from '../support/dist';
import { runNode } from '../support/run-node';
import { makeTempDir } from '../support/temp-dir';
import { testEvent } from '../support/test-events';
import { waitFor } from '../support/wait-for';

/**
 * Moving a history between event stores (src/stores/events/migrate-events.ts, `npm run migrate`),
 * embedded to embedded: the code path is the port's, the same for EventStoreDB/KurrentDB. The source
 * is the first golden history (four weeks of three projects: tasks, executions of every kind, logs,
 * an upgrade with older event versions, deletions), with the execution streams its deletions purged
 * tombstoned as a server would.
 */
const HISTORY = join(__dirname, '..', 'fixtures', 'golden-history', 'history-1.ndjson.gz');

describe('migrating the event history', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let source: SqliteEventStore;
  let built: RebuiltHistory;
  let tombstoned: string[];
  const sourceDir = () => join(temp.dir, 'source');

  beforeAll(async () => {
    temp = makeTempDir('migrate-');
    mkdirSync(sourceDir());
    built = await importAndBuild(sourceDir(), HISTORY);
    source = SqliteEventStore.open({ file: join(sourceDir(), 'events.db') });
    const purged = (await source.readAll()).filter((event) => event.type === 'ExecutionsPurged');
    tombstoned = purged.flatMap((event) => (event.data as { executionIds: string[] }).executionIds).flatMap((id) => [executionStream(id), executionLogStream(id)]);
    for (const stream of tombstoned) await source.deleteStream(stream).catch(() => undefined);
    // A stream deleted before it had any event (the log of an execution that logged nothing) has no
    // history to move: it is not in `$all`, and no reader of the port can tell it from one never written.
    const written = new Set((await source.readAll()).map((event) => event.streamId));
    tombstoned = (await deletedOf(source, tombstoned)).filter((stream) => written.has(stream));
  }, 120_000);
  afterAll(async () => {
    await source.close();
    temp.cleanup();
  });

  const openTarget = (name: string) => {
    mkdirSync(join(temp.dir, name), { recursive: true });
    return SqliteEventStore.open({ file: join(temp.dir, name, 'events.db'), synchronous: 'NORMAL' });
  };

  it('copies every event as stored, in $all order, with its chain hash; deleted streams stay deleted; read models rebuild to the same hashes', async () => {
    const target = openTarget('copy');
    try {
      const report = await migrateEvents(source, target);

      expect(report).toEqual({ events: built.imported.events, copied: built.imported.events, streams: built.imported.streams, tombstoned: tombstoned.length, complete: true });
      expect(tombstoned.length).toBeGreaterThan(10);
      await expectSameHistory(source, target);
      expect(await target.verifyChain()).toEqual(await source.verifyChain());
      expect(await deletedOf(target, tombstoned)).toEqual(tombstoned);
      await expect(target.append(tombstoned[0]!, [testEvent('X')], 'any')).rejects.toBeInstanceOf(StreamDeletedError);
    } finally {
      await target.close();
    }
    // Stored rows byte for byte: the hash chain (the hash column) is the source's.
    expect(storedRows(join(temp.dir, 'copy'))).toEqual(storedRows(sourceDir()));
    expect(await readModelHashes(join(temp.dir, 'copy'))).toEqual(built.hashes);
  }, 120_000);

  it('copies events of older schema versions as they were stored, without upcasting them', async () => {
    const target = openTarget('versions');
    try {
      await migrateEvents(source, target);
      const older = (await source.readAll()).filter((event) => event.metadata.schemaVersion === 1 && event.type === 'ExecutionMissed');
      expect(older.length).toBeGreaterThan(0);
      const copies = await target.readAll({ filter: { streamPrefixes: [...new Set(older.map((event) => event.streamId))] } });
      expect(copies.filter((event) => event.type === 'ExecutionMissed' && event.metadata.schemaVersion === 1).map(withoutPosition)).toEqual(older.map(withoutPosition));
    } finally {
      await target.close();
    }
  }, 60_000);

  it('resumes an interrupted migration where it stopped, writing no event twice', async () => {
    const target = openTarget('resumed');
    try {
      const first = await migrateEvents(source, target, { limit: 3_001 });

      expect(first).toMatchObject({ events: 3_001, copied: 3_001, tombstoned: 0, complete: false });
      expect((await target.readAll()).map(withoutPosition)).toEqual((await source.readAll({ maxCount: 3_001 })).map(withoutPosition));

      const second = await migrateEvents(source, target);

      expect(second).toEqual({ events: built.imported.events, copied: built.imported.events - 3_001, streams: built.imported.streams, tombstoned: tombstoned.length, complete: true });
      await expectSameHistory(source, target);
      expect((await target.verifyChain()).broken).toBeNull();

      const third = await migrateEvents(source, target);

      expect(third).toEqual({ events: built.imported.events, copied: 0, streams: built.imported.streams, tombstoned: 0, complete: true });
      expect((await target.headPosition())).toBe(await source.headPosition());
    } finally {
      await target.close();
    }
  }, 120_000);

  it('refuses a target holding other events, writing nothing', async () => {
    const target = openTarget('foreign');
    try {
      await target.append('task-foreign', [testEvent('TaskCreated')], 'no_stream');

      const refusal = await migrateEvents(source, target).catch((err: unknown) => err);

      expect(refusal).toBeInstanceOf(ConflictError);
      expect((refusal as Error).message).toMatch(/^The target event store already holds events that are not an interrupted migration of this source \(its event 1, task-foreign revision 0, is not the source's .+ revision 0\): migrate into an empty store$/);
      expect(await target.readAll()).toHaveLength(1);
    } finally {
      await target.close();
    }
  });

  it('names stores by URL: a data directory, or any EventStoreDB/KurrentDB connection string', () => {
    expect(parseStoreUrl('sqlite:///var/lib/cron-observer', '--from')).toEqual({ engine: 'sqlite', dataDir: '/var/lib/cron-observer' });
    expect(parseStoreUrl('sqlite://data', '--from')).toEqual({ engine: 'sqlite', dataDir: join(process.cwd(), 'data') });
    for (const url of ['esdb://a:2113?tls=false', 'esdb+discover://a,b,c:2113', 'kurrentdb://a:2113', 'kurrentdb+discover://a:2113', 'kurrent://a:2113', 'kdb://a:2113', 'kdb+discover://a:2113']) {
      expect(parseStoreUrl(url, '--to')).toEqual({ engine: 'eventstoredb', url });
    }
    expect(() => parseStoreUrl('esdb://', '--to')).toThrow(ValidationError);
  });

  it("takes a deployment's stream namespace on a server, and tells namespaces of one server apart", () => {
    const team = parseStoreUrl('kurrentdb://a:2113', '--to', 'team-a.');
    expect(team).toEqual({ engine: 'eventstoredb', url: 'kurrentdb://a:2113', streamPrefix: 'team-a.' });
    expect(sameStore(team, parseStoreUrl('kurrentdb://a:2113', '--from', 'team-b.'))).toBe(false);
    expect(sameStore(team, parseStoreUrl('kurrentdb://a:2113', '--from', 'team-a.'))).toBe(true);
    expect(sameStore(parseStoreUrl('kurrentdb://a:2113', '--to'), parseStoreUrl('kurrentdb://a:2113', '--from'))).toBe(true);
    expect(() => parseStoreUrl('sqlite:///var/lib/cron-observer', '--from', 'team-a.')).toThrow(/--from-prefix: a stream prefix names a namespace/);
  });

  describe('npm run migrate', () => {
    const migrate = (...args: string[]) => runNode('src/cli/migrate.ts', args, { LOG_LEVEL: 'warn' }, 120_000);
    const from = () => `sqlite://${sourceDir()}`;

    it('copies in two runs (--limit, then again) and says what to do next', async () => {
      const to = `sqlite://${join(temp.dir, 'cli')}`;
      const first = await migrate('--from', from(), '--to', to, '--limit', '1000');

      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(new RegExp(`^copied 1000 of ${built.imported.events} events in \\d+ streams \\(1000 now; 0 deleted streams tombstoned\\) in [\\d.]+s\nnot finished: run the same command again to go on\n$`));

      const second = await migrate('--from', from(), '--to', to);

      expect(second.code).toBe(0);
      const lines = second.stdout.trim().split('\n');
      expect(lines[0]).toMatch(
        new RegExp(`^migrated ${built.imported.events} of ${built.imported.events} events in ${built.imported.streams} streams \\(${built.imported.events - 1000} now, 1000 by an earlier run; ${tombstoned.length} deleted streams tombstoned\\) in [\\d.]+s$`),
      );
      expect(lines.slice(1)).toEqual([
        `target chain: verified ${built.imported.events} events in ${built.imported.streams} streams`,
        `now rebuild the read models: DATA_DIR=${join(temp.dir, 'cli')} MONGODB_URL=<your MongoDB> npm run projections -- rebuild`,
        `(without MONGODB_URL they are rebuilt in ${join(temp.dir, 'cli')}/read.db)`,
      ]);
      expect(second.stderr).toMatch(/^verifying source: \d+ events \(\d+ events\/s\)$/m);
      expect(second.stderr).toMatch(new RegExp(`^copying: \\d+/${built.imported.events} events \\(\\d+ events/s\\)$`, 'm'));
      expect(storedRows(join(temp.dir, 'cli'))).toEqual(storedRows(sourceDir()));
    }, 120_000);

    it('goes on after a migration killed mid-way, with no event twice', async () => {
      const dir = join(temp.dir, 'killed');
      const child = spawn(process.execPath, [distPath('src/cli/migrate.ts'), '--from', from(), '--to', `sqlite://${dir}`], { stdio: 'ignore' });
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      try {
        // The file exists a moment before its tables do.
        await waitFor(() => existsSync(join(dir, 'events.db')) && (tableCount(dir) ?? 0) >= 500, { timeoutMs: 60_000, what: 'the first copied events' });
      } finally {
        child.kill('SIGKILL');
      }

      expect(await ended).toBe('SIGKILL');
      const copied = tableCount(dir)!;
      expect(copied).toBeLessThan(built.imported.events);

      const again = await migrate('--from', from(), '--to', `sqlite://${dir}`);

      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`(${built.imported.events - copied} now, ${copied} by an earlier run; ${tombstoned.length} deleted streams tombstoned)`);
      expect(storedRows(dir)).toEqual(storedRows(sourceDir()));
    }, 120_000);

    it('refuses a source whose hash chain is broken, naming the link (exit 2)', async () => {
      const tampered = openTarget('tampered');
      await tampered.append('task-1', [testEvent('TaskCreated', { name: 'backup' }), testEvent('TaskUpdated', { name: 'backups' })], 'no_stream');
      await tampered.close();
      const db = new Database(join(temp.dir, 'tampered', 'events.db'));
      db.prepare(`UPDATE events SET data = '{"name":"nightly"}' WHERE revision = 0`).run();
      db.close();

      const run = await migrate('--from', `sqlite://${join(temp.dir, 'tampered')}`, '--to', `sqlite://${join(temp.dir, 'laundered')}`);

      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^The source's hash chain is broken, so it is not copied: broken link at task-1 revision 0: changed: its hash does not match its content$/m);
      expect(tableCount(join(temp.dir, 'laundered'))).toBe(0);
    }, 60_000);

    it('refuses a foreign target, bad URLs and the same store, with exit code 2', async () => {
      const foreign = openTarget('cli-foreign');
      await foreign.append('task-foreign', [testEvent('TaskCreated')], 'no_stream');
      await foreign.close();

      const refusals = [
        await migrate('--from', from(), '--to', `sqlite://${join(temp.dir, 'cli-foreign')}`),
        await migrate('--from', 'http://localhost:2113', '--to', `sqlite://${join(temp.dir, 'never')}`),
        await migrate('--from', from(), '--to', 'mongodb://localhost'),
        await migrate('--from', 'sqlite://', '--to', `sqlite://${join(temp.dir, 'never')}`),
        await migrate('--from', `sqlite://${join(temp.dir, 'missing')}`, '--to', `sqlite://${join(temp.dir, 'never')}`),
        await migrate('--from', from(), '--to', `sqlite://${sourceDir()}/`),
        await migrate('--from', from(), '--to', `sqlite://${join(temp.dir, 'never')}`, '--limit', 'all'),
      ];

      expect(refusals.map((run) => run.code)).toEqual([2, 2, 2, 2, 2, 2, 2]);
      expect(refusals.map((run) => run.stderr.trim().split('\n').at(-1))).toEqual([
        expect.stringMatching(/^The target event store already holds events that are not an interrupted migration of this source \(.+\): migrate into an empty store$/),
        '--from http://localhost:2113: not an event store URL; use sqlite://DATA_DIR or an EventStoreDB/KurrentDB connection string (esdb://, kurrentdb://, kurrent://, kdb://, each also +discover)',
        '--to mongodb://localhost: not an event store URL; use sqlite://DATA_DIR or an EventStoreDB/KurrentDB connection string (esdb://, kurrentdb://, kurrent://, kdb://, each also +discover)',
        '--from sqlite://: name the data directory, e.g. sqlite:///var/lib/cron-observer',
        `--from: no embedded event store at ${join(temp.dir, 'missing', 'events.db')}`,
        '--from and --to name the same store',
        '--limit all: a number of events (0 or more)',
      ]);
      expect(existsSync(join(temp.dir, 'never'))).toBe(false);
      const foreignAfter = openTarget('cli-foreign');
      expect(await foreignAfter.readAll()).toHaveLength(1);
      await foreignAfter.close();
    }, 120_000);
  });
});

function withoutPosition({ position: _position, ...event }: RecordedEvent): Omit<RecordedEvent, 'position'> {
  return event;
}

/** Every event through the port, field by field and in order (positions are each store's own). */
async function expectSameHistory(source: SqliteEventStore, target: SqliteEventStore): Promise<void> {
  const [original, copy] = await Promise.all([source.readAll(), target.readAll()]);
  expect(copy).toHaveLength(original.length);
  expect(copy.map(withoutPosition)).toEqual(original.map(withoutPosition));
  expect(new Set(copy.map((event) => event.metadata.eventId)).size).toBe(copy.length);
}

/** The stored rows in position order: stream, revision, type, data and metadata text, and chain hash. */
function storedRows(dataDir: string): unknown[] {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true });
  try {
    return db.prepare('SELECT s.name, e.revision, e.type, e.data, e.metadata, hex(e.hash) AS hash FROM events e JOIN streams s ON s.id = e.stream_id ORDER BY e.position').all();
  } finally {
    db.close();
  }
}

/** Events in a data directory's store; null before its tables are made. */
function tableCount(dataDir: string): number | null {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true });
  try {
    const created = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    return created ? (db.prepare('SELECT count(*) FROM events').pluck().get() as number) : null;
  } finally {
    db.close();
  }
}

async function deletedOf(store: SqliteEventStore, streams: string[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const stream of streams) {
    const error = await store.readStream(stream, { maxCount: 1 }).then(() => null, (err: unknown) => err);
    if (error instanceof StreamDeletedError) deleted.push(stream);
  }
  return deleted;
}

/** Every projection built from zero on a data directory's events, into a fresh read store: each read model's hash. */
async function readModelHashes(dataDir: string): Promise<Record<string, string>> {
  const events = SqliteEventStore.open({ file: join(dataDir, 'events.db'), upcaster: new EventUpcasting() });
  const reads = SqliteReadStore.open({ file: join(dataDir, 'read.db') });
  const runner = new ProjectionRunner(allProjections(), events, reads, new ProjectionRegistry(reads), createLogger('silent'));
  try {
    await runner.start();
    await runner.whenCaughtUp(120_000);
    const hashes: Record<string, string> = {};
    for (const projection of [...allProjections()].sort((a, b) => a.name.localeCompare(b.name))) {
      hashes[projection.name] = await readModelHash(reads, projection, 1);
    }
    return hashes;
  } finally {
    await runner.stop();
    await reads.close();
    await events.close();
  }
}
