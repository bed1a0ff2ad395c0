/**
 * `npm run bench -- store [--events 200000] [--appenders 64] [--batch 100]`
 *
 * The embedded event store beside its ceilings, measured in the same run on the same disk: the same
 * rows inserted by raw better-sqlite3 in one transaction, and read back by a raw SELECT. Appending
 * through the writer thread (as the server does) costs a message each way: fewer appends/s in this
 * tight loop, in exchange for an appending thread that never waits for a commit. Reads of one short
 * stream among many (bench/stream-reads.ts) come last.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventStore, ExpectedRevision, NewEvent, StreamFilter } from '../src/stores/events/event-store';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { categoryOf } from '../src/stores/events/stream-names';
import { parseCounts } from './options';
import { type BenchRow, formatTable } from './report';
import { streamReadFigures } from './stream-reads';

/** A store holding `events` events (half in `task-` streams, half in `execution-` ones) to measure on. */
export interface PopulatedStore {
  store: EventStore;
  events: number;
}

/** Adds rows measured on the populated store, e.g. the projection rebuild rate, to the table. */
export type StoreFigure = (populated: PopulatedStore) => Promise<BenchRow[]>;

/** Names of the baseline rows, for extra figures to compare with. */
export const INSERT_CEILING = 'raw insert, 1 transaction (ceiling)';
export const READ_CEILING = 'raw SELECT of every row (ceiling)';

const BATCH_APPENDERS = 8;

interface Settings {
  events: number;
  appenders: number;
  batch: number;
}

export async function storeBench(args: string[], extraFigures: StoreFigure[] = []): Promise<void> {
  const { events, appenders, batch } = parseArgs(args);
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  try {
    const rows: BenchRow[] = [];
    const streams = Array.from({ length: appenders }, (_, i) => `${i % 2 === 0 ? 'task' : 'execution'}-${randomUUID()}`);

    const ceiling = await insertCeiling(join(dir, 'ceiling.db'), streams, events);
    rows.push({ figure: INSERT_CEILING, value: ceiling, unit: 'events/s' });
    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      const file = join(dir, `${synchronous}.db`);
      const run = await appendConcurrently(file, synchronous, streams, events, 1);
      const appendsFigure = `${appenders} appenders × 1 event, ${synchronous}`;
      rows.push(
        { figure: appendsFigure, value: run.eventsPerSecond, unit: 'appends/s', baseline: INSERT_CEILING },
        { figure: `commits (fsyncs), ${synchronous}`, value: run.commitsPerSecond, unit: 'commits/s', baseline: appendsFigure },
      );
    }
    // As the server appends: through a writer thread, whose commits never block the appending thread.
    const threaded = await appendConcurrently(join(dir, 'threaded.db'), 'FULL', streams, events, 1, true);
    const threadedFigure = `${appenders} appenders × 1 event, FULL, writer thread`;
    rows.push(
      { figure: threadedFigure, value: threaded.eventsPerSecond, unit: 'appends/s', baseline: INSERT_CEILING },
      { figure: 'commit groups, FULL, writer thread', value: threaded.commitsPerSecond, unit: 'groups/s', baseline: threadedFigure },
    );
    const batchStreams = streams.slice(0, BATCH_APPENDERS);
    const batches = await appendConcurrently(join(dir, 'batches.db'), 'FULL', batchStreams, events, batch);
    rows.push({
      figure: `${batchStreams.length} appenders × ${batch} events, FULL`,
      value: batches.eventsPerSecond,
      unit: 'events/s',
      baseline: INSERT_CEILING,
    });

    // Reads and extra figures use the store written by the FULL run.
    const file = join(dir, 'FULL.db');
    rows.push({ figure: READ_CEILING, value: readCeiling(file), unit: 'events/s' });
    const store = SqliteEventStore.open({ file });
    try {
      const all = await readEverything(store);
      rows.push({ figure: 'readAll, pages of 1000', value: all, unit: 'events/s', baseline: READ_CEILING });
      const tasks = await readEverything(store, { streamPrefixes: ['task-'] });
      rows.push({ figure: 'readAll task- only (half), pages of 1000', value: tasks, unit: 'events/s', baseline: READ_CEILING });
      for (const figure of extraFigures) rows.push(...(await figure({ store, events })));
    } finally {
      await store.close();
    }
    rows.push(...(await streamReadFigures(dir, benchEvent)));

    const title = `Event store, ${events.toLocaleString('en-US')} events of ~${eventBytes()} bytes, in ${tmpdir()}`;
    console.log(formatTable(title, rows));
    console.log(`(a commits row's ratio is commits per append: 1/${appenders} when all appenders share every commit)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(args: string[]): Settings {
  return parseCounts(args, { events: 200_000, appenders: 64, batch: 100 });
}

/** The same rows the appenders write, inserted directly into the store's tables in one transaction. */
async function insertCeiling(file: string, streams: string[], events: number): Promise<number> {
  await SqliteEventStore.open({ file }).close(); // creates the schema
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const insertStream = db.prepare('INSERT INTO streams (name) VALUES (?)');
    const insertEvent = db.prepare(
      'INSERT INTO events (stream_id, revision, category, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const started = performance.now();
    db.transaction(() => {
      const ids = streams.map((stream) => Number(insertStream.run(stream).lastInsertRowid));
      for (let i = 0; i < events; i++) {
        const stream = i % streams.length;
        const event = benchEvent();
        const revision = Math.floor(i / streams.length);
        const data = JSON.stringify(event.data);
        insertEvent.run(ids[stream], revision, categoryOf(streams[stream]), event.type, data, JSON.stringify(event.metadata));
      }
    })();
    return rate(events, started);
  } finally {
    db.close();
  }
}

/** One appender per stream, each appending `batch` events at a time with exact expected revisions. */
export async function appendConcurrently(
  file: string,
  synchronous: 'FULL' | 'NORMAL',
  streams: string[],
  events: number,
  batch: number,
  writerThread = false,
  chain = true,
): Promise<{ eventsPerSecond: number; commitsPerSecond: number }> {
  const store = SqliteEventStore.open({ file, synchronous, writerThread, chain });
  try {
    let remaining = events;
    const started = performance.now();
    await Promise.all(
      streams.map(async (stream) => {
        let expected: ExpectedRevision = 'no_stream';
        while (remaining > 0) {
          const size = Math.min(batch, remaining);
          remaining -= size;
          expected = (await store.append(stream, Array.from({ length: size }, benchEvent), expected)).nextExpectedRevision;
        }
      }),
    );
    return { eventsPerSecond: rate(events, started), commitsPerSecond: rate(store.commitCount, started) };
  } finally {
    await store.close();
  }
}

function readCeiling(file: string): number {
  return rowsPerSecond(
    file,
    `SELECT e.position, s.name, e.revision, e.type, e.data, e.metadata
       FROM events e JOIN streams s ON s.id = e.stream_id ORDER BY e.position`,
  );
}

/** Rows/s of a raw SELECT on the file, each row read and dropped: a ceiling for a store's own reads. */
export function rowsPerSecond(file: string, sql: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const select = db.prepare(sql).raw();
    let count = 0;
    const started = performance.now();
    for (const _row of select.iterate()) count++;
    return rate(count, started);
  } finally {
    db.close();
  }
}

async function readEverything(store: EventStore, filter?: StreamFilter): Promise<number> {
  let count = 0;
  let after: number | null = null;
  const started = performance.now();
  for (;;) {
    const page = await store.readAll({ after, filter, maxCount: 1000 });
    if (page.length === 0) break;
    count += page.length;
    after = page[page.length - 1].position;
  }
  return rate(count, started);
}

export function rate(count: number, started: number): number {
  return count / ((performance.now() - started) / 1000);
}

/** A typical event: an execution start with the metadata every event carries. */
export function benchEvent(): NewEvent {
  const eventId = randomUUID();
  return {
    type: 'ExecutionStarted',
    data: {
      executionId: eventId,
      taskId: 'b0b5e2a4-3c1d-4f8e-9a61-2d7c5e9f0a13',
      scheduledAt: '2030-01-01T00:00:00.000Z',
      attempt: 1,
      trigger: 'SCHEDULED',
    },
    metadata: {
      eventId,
      occurredAt: '2030-01-01T00:00:00.125Z',
      actor: 'system:scheduler',
      correlationId: eventId,
      causationId: eventId,
      schemaVersion: 1,
    },
  };
}

function eventBytes(): number {
  const event = benchEvent();
  return event.type.length + JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
}
