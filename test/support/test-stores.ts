/**
 * The stores a test runs on. With EVENTSTORE_URL / MONGODB_URL unset: the embedded SQLite stores in the
 * test's temp dir, exactly as before. With them set (`npm run test:production`): EventStoreDB/KurrentDB
 * and MongoDB, each test dir in its own namespace there (a stream prefix, a database), so a test sees
 * only what it wrote. Tests about SQLite itself open SQLite directly and say why.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { EsdbEventStore } from '../../src/stores/events/esdb-event-store';
import type { EventStore } from '../../src/stores/events/event-store';
import { SqliteEventStore, type SqliteEventStoreOptions } from '../../src/stores/events/sqlite-event-store';
import { MongoReadStore } from '../../src/stores/read/mongo-read-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';
import { makeTempDir } from './temp-dir';
import { TEST_DATABASE_PREFIX, productionEngines } from './test-engines';

export { productionEngines };

const { eventStoreUrl, mongodbUrl } = productionEngines;

/**
 * Options of the embedded event store. `pollIntervalMs`, `writerThread` and `synchronous` concern only
 * SQLite's file and are ignored on a server (its subscriptions are pushed, it has no file); a test whose
 * point is one of them opens SQLite itself. `file` names the store within the dir (default events.db).
 */
export type TestEventStoreOptions = Pick<SqliteEventStoreOptions, 'pollIntervalMs' | 'writerThread' | 'synchronous' | 'upcaster' | 'readAheadFrom'> & {
  file?: string;
};

/**
 * The event store of `dir`: opening it twice gives two connections to the same log (as two connections
 * to one events.db), a different dir (or file) a log of its own.
 */
export function openTestEventStore(dir: string, options: TestEventStoreOptions = {}): EventStore {
  const { file = 'events.db', ...sqlite } = options;
  if (eventStoreUrl) return EsdbEventStore.connect(eventStoreUrl, { upcaster: options.upcaster, streamPrefix: testStreamPrefix(dir, file) });
  return SqliteEventStore.open({ file: join(dir, file), ...sqlite });
}

/** The read store of `dir` (`file` names it within the dir, default read.db); same sharing rule as events. */
export async function openTestReadStore(dir: string, file = 'read.db'): Promise<ReadStore> {
  if (mongodbUrl) return MongoReadStore.connect(mongodbUrl, { dbName: testDatabaseName(dir, file) });
  return SqliteReadStore.open({ file: join(dir, file) });
}

/**
 * The variables a server (in process or a child process) on `dataDir` needs to run on this run's
 * engines, in the same namespace as openTestEventStore/openTestReadStore(dataDir): empty when none is set.
 */
export function testEngineEnv(dataDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (eventStoreUrl) {
    env.EVENTSTORE_URL = eventStoreUrl;
    env.EVENTSTORE_STREAM_PREFIX = testStreamPrefix(dataDir, 'events.db');
  }
  if (mongodbUrl) env.MONGODB_URL = withDatabase(mongodbUrl, testDatabaseName(dataDir, 'read.db'));
  return env;
}

/**
 * For a test about SQLite itself that starts a server or a CLI: the variables that keep it on the
 * embedded stores whatever the run's engines (an empty variable counts as unset).
 */
export const EMBEDDED_ENGINES_ENV: Record<string, string> = { EVENTSTORE_URL: '', EVENTSTORE_STREAM_PREFIX: '', MONGODB_URL: '' };

/** Drops the named MongoDB databases of test stores, or all of them (every name with the suite's prefix). */
export async function dropTestDatabases(names?: string[]): Promise<void> {
  if (!mongodbUrl || names?.length === 0) return;
  const client = new MongoClient(mongodbUrl, { serverSelectionTimeoutMS: 3000 });
  try {
    const drop = names ?? (await client.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((db) => db.name).filter((name) => name.startsWith(TEST_DATABASE_PREFIX));
    for (const name of drop) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

/** The database a read store of `dir` lives in on MongoDB (a name is at most 63 bytes there). */
export function testDatabaseName(dir: string, file = 'read.db'): string {
  return `${TEST_DATABASE_PREFIX}${digest(dir, file)}`;
}

function testStreamPrefix(dir: string, file: string): string {
  return `test-${digest(dir, file)}.`;
}

/** Temp dirs are unique, so their digest is too; the same dir gives the same namespace in every process. */
function digest(dir: string, file: string): string {
  return createHash('sha256').update(`${resolve(dir)}\0${file}`).digest('hex').slice(0, 20);
}

/** The connection string with its database path replaced (hosts, credentials and options kept). */
function withDatabase(url: string, database: string): string {
  const scheme = /^[^:]+:\/\//.exec(url)![0];
  const [rest, query] = url.slice(scheme.length).split(/\?(.*)/s, 2) as [string, string | undefined];
  const at = rest.lastIndexOf('@');
  const slash = rest.indexOf('/', at + 1);
  const authorityAndHosts = slash === -1 ? rest : rest.slice(0, slash);
  return `${scheme}${authorityAndHosts}/${database}${query !== undefined ? `?${query}` : ''}`;
}

/**
 * A test about the embedded read store's query plans (`explainFind`): it runs on SQLite and is reported
 * skipped when MONGODB_URL puts the read models on MongoDB, whose planner is its own.
 */
export function itOnEmbeddedReads(name: string, test: jest.ProvidesCallback): void {
  (mongodbUrl ? it.skip : it)(name, test);
}

/**
 * A test that works on the embedded event store's file itself (edits its bytes): it runs on SQLite and
 * is reported skipped when EVENTSTORE_URL puts the events on a server.
 */
export function itOnEmbeddedEvents(name: string, test: jest.ProvidesCallback): void {
  (eventStoreUrl ? it.skip : it)(name, test);
}

/** The embedded read store under a test's ReadStore, for the checks above. */
export function embeddedReads(reads: ReadStore): SqliteReadStore {
  if (!(reads instanceof SqliteReadStore)) throw new Error('this check needs the embedded read store (run it through itOnEmbeddedReads)');
  return reads;
}

/** Each test's own stores in a fresh temp dir, and the runners it started: stopped, closed and removed after it. */
export interface StoresEachTest {
  readonly dir: string;
  readonly events: EventStore;
  readonly reads: ReadStore;
  /** Stops `runner` after the test, before the stores close (unless the test stopped it and called `forget`). */
  stopAfter<T extends { stop(): Promise<void> }>(runner: T): T;
  forget(runner: { stop(): Promise<void> }): void;
}

export function storesEachTest(): StoresEachTest {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  const runners: Array<{ stop(): Promise<void> }> = [];
  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });
  return {
    get dir() {
      return temp.dir;
    },
    get events() {
      return events;
    },
    get reads() {
      return reads;
    },
    stopAfter: (runner) => (runners.push(runner), runner),
    forget: (runner) => void runners.splice(runners.indexOf(runner), 1),
  };
}
