import type Database from 'better-sqlite3';
import { leaveCheckpointsToThread, type WalCheckpoints } from './sqlite-wal-checkpoints';

/**
 * During a bulk load, a commit that leaves more WAL pages than this copies them into the database
 * (about 400 MiB). A rebuild's transactions rewrite many of the same index pages, and each checkpoint
 * copied them all again: at 1M executions the history rebuild took about 12% less time with this than
 * with a checkpoint every 1,000 pages, the stats rebuild about 15%, and wrote 2–3 GB less (one rebuild
 * each, alternated, on the same data).
 */
const BULK_WAL_AUTOCHECKPOINT_PAGES = 100_000;
/** A WAL is cut back to this once checkpointed, rather than kept at its largest (a bulk load's). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The bulk loads of one read.db connection (ReadStore.beginBulkLoad): while any is under way its commits
 * checkpoint the WAL themselves, rarely; when the last ends, the WAL is copied into the database file at
 * once rather than at the next 1,000 pages. A large WAL is copied by the connection's checkpoint thread
 * (sqlite-wal-checkpoints.ts), beside the readers and writers: at 100,000 executions, the history's
 * 200 MiB took about 0.9 s to copy and fsync (half of it waiting for the disk), which the rebuild's
 * projection spent switched over and live instead.
 */
export class SqliteBulkLoads {
  private underWay = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly checkpoints: WalCheckpoints,
    /** The WAL size from which the copy goes to the thread (starting it costs more than copying a small WAL). */
    private readonly backgroundMinBytes: number,
  ) {}

  /** Whether a bulk load is under way: its commits are not the checkpoint thread's to follow. */
  get loading(): boolean {
    return this.underWay > 0;
  }

  begin(): () => Promise<void> {
    if (this.underWay++ === 0) this.db.pragma(`wal_autocheckpoint = ${BULK_WAL_AUTOCHECKPOINT_PAGES}`);
    let ended = false;
    return async () => {
      if (ended) return;
      ended = true;
      if (--this.underWay > 0 || !this.db.open) return;
      leaveCheckpointsToThread(this.db);
      const pageBytes = Number(this.db.pragma('page_size', { simple: true }));
      if (this.checkpoints.uncopiedPages() * pageBytes < this.backgroundMinBytes) this.db.pragma('wal_checkpoint(PASSIVE)');
      else this.checkpoints.request();
    };
  }
}
