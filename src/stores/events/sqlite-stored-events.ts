/**
 * The embedded store's rows as stored (audit export): one project's events in position order, each
 * with its hash and the hash of its stream's previous event, a page at a time from where the last page
 * ended. Nothing is upcast: the hashes cover these bytes.
 */
import type Database from 'better-sqlite3';
import type { ReadStoredOptions, StoredEvent } from './event-store';
import { projectStreamIds } from './sqlite-chain-audit';

const PAGE = 1_000;

type StoredRow = [position: number, stream: string, revision: number, type: string, data: string, metadata: string, hash: Buffer | null, previousHash: Buffer | null];

// NOT INDEXED: walk the table in position order (the rowid) and test each row's stream, rather than
// gather every row of the project's streams and sort them again for each page.
const SELECT_PAGE = `SELECT e.position, s.name, e.revision, e.type, e.data, e.metadata, e.hash, p.hash
   FROM events e NOT INDEXED
   JOIN streams s ON s.id = e.stream_id
   LEFT JOIN events p ON p.stream_id = e.stream_id AND p.revision = e.revision - 1
  WHERE e.position > ? AND e.position <= ? AND e.stream_id IN (SELECT value FROM json_each(?))
  ORDER BY e.position LIMIT ?`;

export async function* readSqliteStored(db: Database.Database, options: ReadStoredOptions): AsyncGenerator<StoredEvent[]> {
  const head = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck().get() ?? 0;
  const ids = JSON.stringify(projectStreamIds(db, options.project));
  const next = db.prepare<[number, number, string, number], StoredRow>(SELECT_PAGE).raw();
  const from = options.from?.getTime() ?? -Infinity;
  const to = options.to?.getTime() ?? Infinity;
  let after = 0;
  for (;;) {
    const rows = next.all(after, head, ids, PAGE);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]![0];
    const page: StoredEvent[] = [];
    for (const [position, stream, revision, type, data, metadata, hash, previousHash] of rows) {
      const storedMetadata = asStored(metadata);
      const occurredAt = Date.parse(String((storedMetadata as { occurredAt?: unknown } | null)?.occurredAt));
      // An event whose time cannot be read (altered) is in every range: the export must not hide it.
      if (occurredAt < from || occurredAt >= to) continue;
      page.push({
        position,
        stream,
        revision,
        type,
        data: asStored(data),
        metadata: isRecord(storedMetadata) ? storedMetadata : { stored: storedMetadata },
        previousHash: previousHash?.toString('hex') ?? null,
        hash: hash?.toString('hex') ?? null,
      });
    }
    if (page.length > 0) yield page;
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
