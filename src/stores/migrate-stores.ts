import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVENTSTORE_PROTOCOLS } from '../config/config';
import { ValidationError } from '../errors/app-error';
import { EsdbEventStore } from './events/esdb-event-store';
import type { EventStore } from './events/event-store';
import { SqliteEventStore } from './events/sqlite-event-store';

/**
 * The event stores `npm run migrate` moves history between, named by URL: `sqlite://DATA_DIR` (the
 * embedded store, `DATA_DIR/events.db`; `sqlite:///abs/dir` or `sqlite://relative/dir`) or an
 * EventStoreDB/KurrentDB connection string. Both are opened without an upcaster, so events are read
 * exactly as stored.
 */
export type StoreLocation = { engine: 'sqlite'; dataDir: string } | { engine: 'eventstoredb'; url: string; streamPrefix?: string };

const SERVER_SCHEMES = EVENTSTORE_PROTOCOLS.map((protocol) => `${protocol}//`);

/** `streamPrefix`: the deployment's EVENTSTORE_STREAM_PREFIX on that server (only for a server URL). */
export function parseStoreUrl(url: string, option: string, streamPrefix?: string): StoreLocation {
  if (url.startsWith('sqlite://')) {
    const dir = url.slice('sqlite://'.length);
    if (dir === '') throw new ValidationError(`${option} ${url}: name the data directory, e.g. sqlite:///var/lib/cron-observer`);
    if (streamPrefix !== undefined) throw new ValidationError(`${option}-prefix: a stream prefix names a namespace on an EventStoreDB/KurrentDB server, not in ${url}`);
    return { engine: 'sqlite', dataDir: resolve(dir) };
  }
  if (SERVER_SCHEMES.some((scheme) => url.startsWith(scheme) && url.length > scheme.length)) {
    return { engine: 'eventstoredb', url, ...(streamPrefix !== undefined ? { streamPrefix } : {}) };
  }
  throw new ValidationError(
    `${option} ${url}: not an event store URL; use sqlite://DATA_DIR or an EventStoreDB/KurrentDB connection string (esdb://, kurrentdb://, kurrent://, kdb://, each also +discover)`,
  );
}

/** Opens the store the migration reads: it must exist. */
export function openSource(location: StoreLocation): EventStore {
  if (location.engine === 'eventstoredb') return EsdbEventStore.connect(location.url, { streamPrefix: location.streamPrefix });
  const file = join(location.dataDir, 'events.db');
  if (!existsSync(file)) throw new ValidationError(`--from: no embedded event store at ${file}`);
  return SqliteEventStore.open({ file });
}

/**
 * Opens the store the migration writes, creating an embedded one. Its commits need not survive power
 * loss one by one: a migration cut short resumes from what the target holds.
 */
export function openTarget(location: StoreLocation): EventStore {
  if (location.engine === 'eventstoredb') return EsdbEventStore.connect(location.url, { streamPrefix: location.streamPrefix });
  mkdirSync(location.dataDir, { recursive: true });
  return SqliteEventStore.open({ file: join(location.dataDir, 'events.db'), synchronous: 'NORMAL' });
}

/** Whether two locations are the same store (as far as the URLs tell). */
export function sameStore(a: StoreLocation, b: StoreLocation): boolean {
  if (a.engine === 'sqlite' && b.engine === 'sqlite') return a.dataDir === b.dataDir;
  if (a.engine === 'eventstoredb' && b.engine === 'eventstoredb') return a.url === b.url && (a.streamPrefix ?? '') === (b.streamPrefix ?? '');
  return false;
}
