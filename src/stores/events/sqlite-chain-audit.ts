/**
 * Verifies the embedded store's chain (event-chain.ts): walks `events` stream by stream through the
 * (stream_id, revision) index, in pages, yielding to the event loop between pages so a progress bar can
 * draw. It reads the rows as stored, so what it proves is about the file, whatever readers make of them.
 */
import type Database from 'better-sqlite3';
import { type ChainReport, ChainWalk, type VerifyChainOptions } from './event-chain';
import { CHAIN_STARTS_AFTER } from './event-database';

const PAGE = 5_000;

type LinkRow = [streamId: number, stream: string, revision: number, type: string, data: string, metadata: string, hash: Buffer | null, position: number];

const SELECT_LINK = 'SELECT e.stream_id, s.name, e.revision, e.type, e.data, e.metadata, e.hash, e.position FROM events e INDEXED BY events_by_stream CROSS JOIN streams s ON s.id = e.stream_id';

export async function verifySqliteChain(db: Database.Database, options: VerifyChainOptions = {}): Promise<ChainReport> {
  const chainStartsAfter = db.prepare<[string], number>('SELECT value FROM store_facts WHERE name = ?').pluck().get(CHAIN_STARTS_AFTER) ?? 0;
  const walk = new ChainWalk();
  const pages = options.project === undefined ? wholeStore(db) : projectStreams(db, options.project);
  let checked = 0;
  for (const page of pages.pages) {
    for (const [, stream, revision, type, data, metadata, hash, position] of page) {
      if (!walk.add({ stream, revision, type, data, metadata, hash, beforeChain: position <= chainStartsAfter })) return walk.result();
    }
    checked += page.length;
    options.onProgress?.(checked, pages.total);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return walk.result();
}

interface Pages {
  total: number;
  pages: Iterable<LinkRow[]>;
}

/** Every event, in (stream_id, revision) order, a page at a time from where the last page ended. */
function wholeStore(db: Database.Database): Pages {
  const total = db.prepare<[], number>('SELECT count(*) FROM events').pluck().get() ?? 0;
  const next = db.prepare<[number, number, number], LinkRow>(`${SELECT_LINK} WHERE (e.stream_id, e.revision) > (?, ?) ORDER BY e.stream_id, e.revision LIMIT ?`).raw();
  return {
    total,
    pages: {
      *[Symbol.iterator]() {
        let streamId = 0;
        let revision = -1;
        for (;;) {
          const page = next.all(streamId, revision, PAGE);
          if (page.length === 0) return;
          yield page;
          [streamId, , revision] = page[page.length - 1]!;
        }
      },
    },
  };
}

/**
 * The streams of one project: `project-<id>`, and every stream whose first stored event's data names
 * the project (`projectId`): tasks, groups, executions, their logs, alerts, deletions, retention. A
 * first event that is not even JSON was altered, and whose it was cannot be told: its stream counts as
 * every project's, so the break is named (by verify, and in any project's export).
 */
export function projectStreamIds(db: Database.Database, project: string): number[] {
  return db
    .prepare<[string, string], number>(
      `SELECT s.id FROM streams s
         JOIN events e ON e.position = (SELECT position FROM events WHERE stream_id = s.id ORDER BY revision LIMIT 1)
        WHERE s.name = ? OR NOT json_valid(e.data) OR json_extract(e.data, '$.projectId') = ? ORDER BY s.id`,
    )
    .pluck()
    .all(`project-${project}`, project);
}

/** The project's streams, each in revision order. */
function projectStreams(db: Database.Database, project: string): Pages {
  const ids = projectStreamIds(db, project);
  const count = db.prepare<[number], number>('SELECT count(*) FROM events WHERE stream_id = ?').pluck();
  const total = ids.reduce((sum, id) => sum + (count.get(id) ?? 0), 0);
  const read = db.prepare<[number], LinkRow>(`${SELECT_LINK} WHERE e.stream_id = ? ORDER BY e.revision`).raw();
  return {
    total,
    pages: {
      *[Symbol.iterator]() {
        let page: LinkRow[] = [];
        for (const id of ids) {
          for (const row of read.all(id)) page.push(row);
          if (page.length >= PAGE) {
            yield page;
            page = [];
          }
        }
        if (page.length > 0) yield page;
      },
    },
  };
}
