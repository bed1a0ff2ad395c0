import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config';
import type { EsdbEventStore } from './events/esdb-event-store';
import type { EventStore, EventUpcaster } from './events/event-store';
import { SqliteEventStore } from './events/sqlite-event-store';
import type * as MongoAdapter from './read/mongo-read-store';
import type { ReadStore } from './read/read-store';
import { SqliteReadStore } from './read/sqlite-read-store';

export interface OpenStoresOptions {
  /** Brings every event read to its current shape (src/events/event-upcasting.ts): no reader sees an older one. */
  upcaster: EventUpcaster;
  /**
   * How often an embedded event store looks for commits made by another connection (its subscriptions
   * learn of their own connection's commits at once).
   */
  eventPollIntervalMs?: number;
  /** Append to an embedded event store through a writer thread (see SqliteEventStoreOptions). */
  eventWriterThread?: boolean;
  /** The embedded event store's clock (see SqliteEventStoreOptions.now). */
  now?: () => number;
}

/*
 * The EventStoreDB and MongoDB adapters are loaded only when configured: their drivers (gRPC, the
 * MongoDB driver) take about half a second of every start to load.
 */
const esdbAdapter = (): typeof EsdbEventStore => (require('./events/esdb-event-store') as typeof import('./events/esdb-event-store')).EsdbEventStore;
let mongoAdapter: typeof MongoAdapter | null = null;
const mongo = (): typeof MongoAdapter => (mongoAdapter ??= require('./read/mongo-read-store') as typeof MongoAdapter);

/** What the read store deserves a warning for at start: MongoDB without multi-document transactions (null: nothing). */
export function readStoreWarning(reads: ReadStore): string | null {
  // Not loaded: no MongoDB store was opened.
  if (!mongoAdapter) return null;
  return reads instanceof mongoAdapter.MongoReadStore && !reads.atomicBatches ? mongoAdapter.STANDALONE_WARNING : null;
}

/** What picks and opens the event store; a stream prefix is optional for callers that build the config themselves. */
type EventStoreConfig = Pick<Config, 'dataDir' | 'eventStoreUrl'> & Partial<Pick<Config, 'eventStoreStreamPrefix'>>;

/** The event store alone (for tools that need no read models): embedded SQLite unless EVENTSTORE_URL is set. */
export function openEventStore(config: EventStoreConfig, options: OpenStoresOptions): EventStore {
  mkdirSync(config.dataDir, { recursive: true });
  return config.eventStoreUrl
    ? esdbAdapter().connect(config.eventStoreUrl, { upcaster: options.upcaster, streamPrefix: config.eventStoreStreamPrefix ?? undefined })
    : SqliteEventStore.open({
        file: join(config.dataDir, 'events.db'),
        pollIntervalMs: options.eventPollIntervalMs,
        writerThread: options.eventWriterThread,
        now: options.now,
        upcaster: options.upcaster,
      });
}

/** Picks the adapters the configuration asks for: embedded SQLite unless a server URL is set. */
export async function openStores(
  config: EventStoreConfig & Pick<Config, 'mongodbUrl'>,
  options: OpenStoresOptions,
): Promise<{ events: EventStore; reads: ReadStore }> {
  const events = openEventStore(config, options);
  try {
    const reads = config.mongodbUrl
      ? await mongo().MongoReadStore.connect(config.mongodbUrl)
      : SqliteReadStore.open({ file: join(config.dataDir, 'read.db') });
    return { events, reads };
  } catch (err) {
    await events.close();
    throw err;
  }
}
