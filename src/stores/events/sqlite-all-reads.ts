/**
 * Reads of `$all` after a position, for readAll and the subscriptions: from the recent events when
 * they can answer, otherwise from SQL with the filter's prefixes over the events table's indexes.
 */
import type Database from 'better-sqlite3';
import type { Position, RecordedEvent, StreamFilter } from './event-store';
import type { EventRow } from './event-database';
import type { RecentEvents } from './recent-events';
import { JOIN_STREAM, SELECT_EVENTS } from './sqlite-event-rows';
import { normalizePrefixes } from './sqlite-prefix-ranges';
import { SqliteRangeReads } from './sqlite-range-reads';

/** How far behind the head a reader may be for another connection's commits to be read into the recent events. */
const RECENT_REFILL = 2_000;

export class SqliteAllReads {
  private readonly ranges: SqliteRangeReads;
  private readonly selectHead: Database.Statement<[], number | null>;

  constructor(
    db: Database.Database,
    private readonly recent: RecentEvents,
    /** Every stored row becomes a RecordedEvent here. */
    private readonly toEvent: (row: EventRow) => RecordedEvent,
  ) {
    this.ranges = new SqliteRangeReads(db);
    this.selectHead = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
  }

  /** Event rows read from the database: the filters are in the SQL, so only matching ones. */
  get pulled(): number {
    return this.ranges.pulled;
  }

  /** Also says up to where it looked: past events a filter skipped, when the recent events could answer. */
  readAfter(after: Position | null, filter: StreamFilter | undefined, limit: number): { events: RecordedEvent[]; through: Position | null } {
    const prefixes = filter ? normalizePrefixes(filter) : [];
    const accept = prefixes.length === 0 ? null : (event: RecordedEvent) => prefixes.some((prefix) => event.streamId.startsWith(prefix));
    const recent = this.recent.after(after, accept, limit) ?? this.readOthersCommits(after, accept, limit);
    if (recent) return recent;
    const events = this.ranges.rowsAfter(after, filter, limit).map(this.toEvent);
    return { events, through: events.at(-1)?.position ?? after };
  }

  /**
   * Events committed by another connection (this store's thread is not their writer: the projection
   * thread reads what the HTTP thread's writer commits), read once and unfiltered into the recent events
   * when the reader is near the head, instead of once for every subscriber and its filter. Only a run
   * of positions without gaps is kept (the cache finds events by position); otherwise SQL answers.
   */
  private readOthersCommits(
    after: Position | null,
    accept: ((event: RecordedEvent) => boolean) | null,
    limit: number,
  ): { events: RecordedEvent[]; through: Position } | null {
    if (after === null) return null;
    const head = this.selectHead.get() ?? null;
    if (head === null || head <= after || head - after > RECENT_REFILL) return null;
    const span = this.recent.span();
    const contiguous = span !== null && span.first <= after + 1 && span.last >= after && span.last < head;
    const from = contiguous ? span.last : after;
    const events = this.query(`${SELECT_EVENTS} ${JOIN_STREAM} WHERE e.position > ? ORDER BY e.position LIMIT ?`, [from, head - from]);
    if (events.length === 0 || events.some((event, i) => event.position !== from + 1 + i)) return null;
    this.recent.committed(events);
    return this.recent.after(after, accept, limit);
  }

  private query(sql: string, params: Array<string | number>): RecordedEvent[] {
    return this.ranges.rows(sql, params).map(this.toEvent);
  }
}
