/**
 * Child process for test/stores/event-store-crash.test.ts and the other-process test of the SQLite
 * store: `node crash-appender.js <file> [--max-appends N]`.
 *
 * Eight concurrent appenders, one per stream `crash-<n>`, append batches of 1..5 events with exact
 * expected revisions, continuing where an earlier (killed) run left the stream. After each append is
 * acknowledged it prints one JSON line (an Ack) on stdout. Without --max-appends it runs until killed.
 */
// SQLite internals: a child that appends to events.db until it is killed mid-transaction; stays on SQLite.
import { randomUUID } from 'node:crypto';
import { StreamNotFoundError } from '../../src/errors/store-errors';
import type { ExpectedRevision, NewEvent } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';
import { createLogger } from '../../src/logging/logger';
import type { Projection } from '../../src/projections/projection';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { SqliteReadStore } from '../../src/stores/read/sqlite-read-store';

export interface Ack {
  stream: string;
  firstRevision: number;
  lastRevision: number;
  /** Position of the batch's last event. */
  position: number;
  batchId: string;
  eventIds: string[];
}

/** What every event of a batch carries, so a reader can tell a whole batch from part of one. */
export interface CrashEventData {
  batchId: string;
  index: number;
  count: number;
}

export const CRASH_STREAM_PREFIX = 'crash-';
const APPENDERS = 8;

/** Read model the child keeps up to date while it appends, so a kill also interrupts projection batches. */
export const crashCountsProjection: Projection = {
  name: 'crashcounts',
  version: 1,
  collections: [{ name: 'streams', indexes: [] }, { name: 'totals', indexes: [] }],
  filter: { streamPrefixes: [CRASH_STREAM_PREFIX] },
  async handle(event, reader) {
    const data = event.data as CrashEventData;
    const stream = await reader.get<{ id: string; events: number; batches: number }>('streams', event.streamId);
    return [
      {
        op: 'upsert',
        collection: 'streams',
        id: event.streamId,
        doc: { id: event.streamId, events: (stream?.events ?? 0) + 1, batches: (stream?.batches ?? 0) + (data.index === 0 ? 1 : 0), lastRevision: event.revision },
      },
      { op: 'inc', collection: 'totals', id: 'all', fields: { events: 1, positionSum: event.position } },
    ];
  },
};

async function main(): Promise<void> {
  const [file, ...options] = process.argv.slice(2);
  const option = (name: string) => (options.includes(name) ? options[options.indexOf(name) + 1] : undefined);
  const maxAppends = Number(option('--max-appends') ?? Infinity);
  const store = SqliteEventStore.open({ file, writerThread: options.includes('--writer-thread') });
  const readFile = option('--project-into');
  if (readFile) {
    const reads = SqliteReadStore.open({ file: readFile });
    await new ProjectionRunner([crashCountsProjection], store, reads, new ProjectionRegistry(reads), createLogger('silent')).start();
  }
  let appends = 0;

  await Promise.all(
    Array.from({ length: APPENDERS }, async (_, n) => {
      const stream = `${CRASH_STREAM_PREFIX}${n}`;
      let expected = await currentRevision(store, stream);
      while (appends < maxAppends) {
        appends++;
        const batchId = randomUUID();
        const count = 1 + Math.floor(Math.random() * 5);
        const events = Array.from({ length: count }, (_, index) => crashEvent({ batchId, index, count }));
        const result = await store.append(stream, events, expected);
        const firstRevision = expected === 'no_stream' ? 0 : (expected as number) + 1;
        const ack: Ack = {
          stream,
          firstRevision,
          lastRevision: result.nextExpectedRevision,
          position: result.position,
          batchId,
          eventIds: events.map((e) => e.metadata.eventId),
        };
        // Writes to a pipe are synchronous on Linux: a printed ack is never held back in a buffer.
        process.stdout.write(`${JSON.stringify(ack)}\n`);
        expected = result.nextExpectedRevision;
      }
    }),
  );
  await store.close();
}

async function currentRevision(store: SqliteEventStore, stream: string): Promise<ExpectedRevision> {
  try {
    const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last.revision;
  } catch (err) {
    if (err instanceof StreamNotFoundError) return 'no_stream';
    throw err;
  }
}

function crashEvent(data: CrashEventData): NewEvent {
  const eventId = randomUUID();
  return {
    type: 'CrashTested',
    data,
    metadata: {
      eventId,
      occurredAt: new Date().toISOString(),
      actor: 'system:crash-test',
      correlationId: data.batchId,
      causationId: data.batchId,
      schemaVersion: 1,
    },
  };
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
