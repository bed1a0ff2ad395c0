/**
 * The embedded store's rows as stored (audit export): one project's events in position order, each
 * with its hash and the hash of its stream's previous event. Nothing is upcast: the hashes cover these
 * bytes. It walks `events` in position order a page at a time, yielding to the event loop between
 * pages, and keeps the project's rows: one pass however many streams the project has, and no request
 * waits behind a long walk through other projects' events.
 */
import type Database from 'better-sqlite3';
import type { ReadStoredOptions, StoredEvent } from './event-store';
import { projectStreamIds } from './sqlite-chain-audit';

const SCAN_PAGE = 1_000;

type StoredRow = [position: number, streamId: number, revision: number, type: string, data: string, metadata: string, hash: Buffer | null];

export async function* readSqliteStored(db: Database.Database, options: ReadStoredOptions): AsyncGenerator<StoredEvent[]> {
  const head = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck().get() ?? 0;
  const streams = new Set(projectStreamIds(db, options.project));
  const scan = db
    .prepare<[number, number, number], StoredRow>('SELECT position, stream_id, revision, type, data, metadata, hash FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?')
    .raw();
  const previousHash = db.prepare<[number, number], Buffer | null>('SELECT hash FROM events WHERE stream_id = ? AND revision = ?').pluck();
  const streamName = db.prepare<[number], string>('SELECT name FROM streams WHERE id = ?').pluck();
  const from = options.from?.getTime() ?? -Infinity;
  const to = options.to?.getTime() ?? Infinity;
  let after = 0;
  for (;;) {
    const rows = scan.all(after, head, SCAN_PAGE);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]![0];
    const page: StoredEvent[] = [];
    for (const [position, streamId, revision, type, data, metadata, hash] of rows) {
      if (!streams.has(streamId)) continue;
      const storedMetadata = asStored(metadata);
      const occurredAt = Date.parse(String((storedMetadata as { occurredAt?: unknown } | null)?.occurredAt));
      // An event whose time cannot be read (altered) is in every range: the export must not hide it.
      if (occurredAt < from || occurredAt >= to) continue;
      page.push({
        position,
        stream: streamName.get(streamId)!,
        revision,
        type,
        data: asStored(data),
        metadata: isRecord(storedMetadata) ? storedMetadata : { stored: storedMetadata },
        previousHash: revision === 0 ? null : (previousHash.get(streamId, revision - 1)?.toString('hex') ?? null),
        hash: hash?.toString('hex') ?? null,
      });
    }
    if (page.length > 0) yield page;
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The stored JSON's value; the text itself when it is not JSON (altered), so its line fails its hash. */
function asStored(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
