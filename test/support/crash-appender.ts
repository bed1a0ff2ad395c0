/**
 * Child process for test/stores/event-store-crash.test.ts and the other-process test of the SQLite
 * store: `node crash-appender.js <file> [--max-appends N]`.
 *
 * Eight concurrent appenders, one per stream `crash-<n>`, append batches of 1..5 events with exact
 * expected revisions, continuing where an earlier (killed) run left the stream. After each append is
 * acknowledged it prints one JSON line (an Ack) on stdout. Without --max-appends it runs until killed.
 */
import { randomUUID } from 'node:crypto';
import { StreamNotFoundError } from '../../src/errors/store-errors';
import type { ExpectedRevision, NewEvent } from '../../src/stores/events/event-store';
import { SqliteEventStore } from '../../src/stores/events/sqlite-event-store';

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

async function main(): Promise<void> {
  const [file, flag, value] = process.argv.slice(2);
  const maxAppends = flag === '--max-appends' ? Number(value) : Infinity;
  const store = SqliteEventStore.open({ file });
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
