/**
 * Event rows after a position from SQL, by a filter's prefixes over the events table's indexes: what
 * the reads of `$all` run on the store's connection (sqlite-all-reads.ts) and on a read-ahead thread
 * (sqlite-read-ahead-thread.ts).
 */
import type Database from 'better-sqlite3';
import type { Position, StreamFilter } from './event-store';
import type { EventRow } from './event-database';
import { JOIN_STREAM, selectEventsWithout } from './sqlite-event-rows';
import { categoriesWithoutData } from './event-arguments';
import { normalizePrefixes, prefixRange } from './sqlite-prefix-ranges';

export class SqliteRangeReads {
  /** Event rows read from the database: the filters are in the SQL, so only matching ones. */
  pulled = 0;
  /** The statements, one per shape of filter. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** The first `limit` rows after `after` of the streams `filter` passes, in order (the data of its `withoutData` categories as `null`, and no metadata but the schema version for `withoutMetadata`). */
  rowsAfter(after: Position | null, filter: StreamFilter | undefined, limit: number): EventRow[] {
    const prefixes = filter ? normalizePrefixes(filter) : [];
    const select = selectEventsWithout(categoriesWithoutData(filter), filter?.withoutMetadata === true);
    const ranges = prefixes.map(prefixRange);
    if (ranges.length === 0) {
      return this.rows(`${select} ${JOIN_STREAM} WHERE e.position > ? ORDER BY e.position LIMIT ?`, [after ?? 0, limit]);
    }
    if (ranges.length === 1) {
      const [range] = ranges;
      return this.rows(
        `${select} INDEXED BY ${range.index} ${JOIN_STREAM} WHERE e.position > ? AND ${range.sql} ORDER BY e.position LIMIT ?`,
        [after ?? 0, ...range.params, limit],
      );
    }
    // One ordered, limited range of positions per prefix, each from its index alone, merged by SQLite;
    // only then are the first `limit` events read. (Merging whole rows read and sorted every prefix's
    // events, large log batches included, and threw most away: 8x slower for the history projection.)
    // The prefixes were made disjoint, so UNION ALL never yields an event twice.
    const params: Array<string | number> = [];
    const parts = ranges.map((range) => {
      params.push(after ?? 0, ...range.params, limit);
      return `SELECT * FROM (SELECT e.position FROM events e INDEXED BY ${range.index}
        WHERE e.position > ? AND ${range.sql} ORDER BY e.position LIMIT ?)`;
    });
    params.push(limit);
    const positions = `SELECT position FROM (${parts.join(' UNION ALL ')}) ORDER BY position LIMIT ?`;
    return this.rows(`${select} ${JOIN_STREAM} WHERE e.position IN (${positions}) ORDER BY e.position`, params);
  }

  /** The rows of an event SELECT (SELECT_EVENTS' columns), its statement prepared once. */
  rows(sql: string, params: Array<string | number>): EventRow[] {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).raw();
      this.statements.set(sql, statement);
    }
    const rows = statement.all(...params) as EventRow[];
    this.pulled += rows.length;
    return rows;
  }
}
