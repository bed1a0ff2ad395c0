/**
 * Reads of one short stream, as every command makes them (a task's or an execution's stream before it
 * decides): `readStream` on a random one of many streams, beside the rows read by raw better-sqlite3
 * with one statement (the stream named, its rows joined), in alternated rounds of the same run.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewEvent } from '../src/stores/events/event-store';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { median } from './query-timing';
import type { BenchRow } from './report';

const STREAMS = 20_000;
const EVENTS_PER_STREAM = 2;
const READS_PER_ROUND = 20_000;
const ROUNDS = 5;

export async function streamReadFigures(dir: string, makeEvent: () => NewEvent): Promise<BenchRow[]> {
  const file = join(dir, 'streams.db');
  await SqliteEventStore.open({ file }).close(); // creates the schema
  writeStreams(file, makeEvent);
  const raw = new Database(file, { readonly: true });
  const store = SqliteEventStore.open({ file });
  try {
    const select = raw
      .prepare<[string]>(
        `SELECT e.position, s.name, e.revision, e.type, e.data, e.metadata
           FROM streams s JOIN events e ON e.stream_id = s.id WHERE s.name = ? ORDER BY e.revision`,
      )
      .raw();
    const picks = Array.from({ length: READS_PER_ROUND }, () => streamName(Math.floor(Math.random() * STREAMS)));
    const rawTimes: number[] = [];
    const storeTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let started = performance.now();
      for (const name of picks) for (const row of select.all(name) as string[][]) JSON.parse(row[4]!);
      rawTimes.push((performance.now() - started) / READS_PER_ROUND);
      started = performance.now();
      for (const name of picks) await store.readStream(name);
      storeTimes.push((performance.now() - started) / READS_PER_ROUND);
    }
    const ceiling = `raw SELECT of one of ${STREAMS.toLocaleString('en-US')} streams (${EVENTS_PER_STREAM} events), rows parsed`;
    return [
      { figure: ceiling, value: median(rawTimes) * 1000, unit: 'µs/read' },
      { figure: 'readStream of one of them', value: median(storeTimes) * 1000, unit: 'µs/read', baseline: ceiling },
    ];
  } finally {
    raw.close();
    await store.close();
  }
}

function writeStreams(file: string, makeEvent: () => NewEvent): void {
  const db = new Database(file);
  try {
    const insertStream = db.prepare('INSERT INTO streams (name) VALUES (?)');
    const insertEvent = db.prepare('INSERT INTO events (stream_id, revision, category, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < STREAMS; i++) {
        const id = Number(insertStream.run(streamName(i)).lastInsertRowid);
        for (let revision = 0; revision < EVENTS_PER_STREAM; revision++) {
          const event = makeEvent();
          insertEvent.run(id, revision, 'task', event.type, JSON.stringify(event.data), JSON.stringify(event.metadata));
        }
      }
    })();
  } finally {
    db.close();
  }
}

function streamName(i: number): string {
  return `task-${String(i).padStart(8, '0')}`;
}
