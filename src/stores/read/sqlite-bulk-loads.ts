import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { startWorker } from '../../threads/start-worker';

/** SQLite's default: a commit that leaves more WAL pages than this copies them into the database. */
export const WAL_AUTOCHECKPOINT_PAGES = 1000;
/**
 * The same during a bulk load (about 400 MiB of WAL). A rebuild's transactions rewrite many of the same
 * index pages, and each checkpoint copied them all again: at 1M executions the history rebuild took
 * about 12% less time with this, the stats rebuild about 15%, and wrote 2–3 GB less (one rebuild each, alternated, on the same data).
 */
const BULK_WAL_AUTOCHECKPOINT_PAGES = 100_000;
/** A WAL is cut back to this once checkpointed, rather than kept at its largest (a bulk load's). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export interface CheckpointThreadData {
  file: string;
  busyTimeoutMs: number;
}

export type FromCheckpointThread = { type: 'done' } | { type: 'error'; message: string };

/**
 * The bulk loads of one read.db connection (ReadStore.beginBulkLoad): while any is under way its WAL
 * is checkpointed rarely; when the last ends, the WAL is copied into the database file at once rather
 * than by whichever commit comes next. A large WAL is copied on a thread of its own, a PASSIVE
 * checkpoint that readers and writers go on beside: at 100,000 executions, the history's 200 MiB took
 * about 0.9 s to copy and fsync (half of it waiting for the disk), which the rebuild's projection spent
 * switched over and live instead.
 */
export class SqliteBulkLoads {
  private underWay = 0;
  /** Background checkpoints, one after another; each settles (failed or not) before the next starts. */
  private copies: Promise<void> = Promise.resolve();
  private copying = 0;
  private lastFailure: Error | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly busyTimeoutMs: number,
    /** The WAL size from which the copy goes to a thread (starting one costs more than copying a small WAL). */
    private readonly backgroundMinBytes: number,
  ) {}

  begin(): () => Promise<void> {
    if (this.underWay++ === 0) this.db.pragma(`wal_autocheckpoint = ${BULK_WAL_AUTOCHECKPOINT_PAGES}`);
    let ended = false;
    return async () => {
      if (ended) return;
      ended = true;
      if (--this.underWay > 0 || !this.db.open) return;
      if (walBytes(this.file) < this.backgroundMinBytes) {
        this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
        this.db.pragma('wal_checkpoint(PASSIVE)');
        return;
      }
      const data: CheckpointThreadData = { file: this.file, busyTimeoutMs: this.busyTimeoutMs };
      // Until the thread has copied the WAL, commits here leave it alone: the first would otherwise
      // start copying it on this thread (about 0.5 s of 0.9 in one history rebuild, before the
      // thread had started). A failed copy loses nothing: the next checkpoint copies the pages.
      this.copying++;
      this.copies = this.copies.then(() =>
        checkpointOnThread(data).then(
          () => this.copyEnded(null),
          (err: Error) => this.copyEnded(err),
        ),
      );
    };
  }

  private copyEnded(failure: Error | null): void {
    this.copying--;
    this.lastFailure = failure;
    if (this.underWay === 0 && this.copying === 0 && this.db.open) this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  }

  /** Resolves once the background copies are done; rejects when the last one failed. */
  async copied(): Promise<void> {
    await this.copies;
    if (this.lastFailure) throw this.lastFailure;
  }

  /** Whether a background copy is under way or waiting (the connection must stay open until it is done). */
  get busy(): boolean {
    return this.copying > 0;
  }

  /** Resolves once the background copies are done, failed or not. */
  settled(): Promise<void> {
    return this.copies;
  }
}

/** A PASSIVE checkpoint of the file on a thread of its own (sqlite-checkpoint-thread.ts). */
function checkpointOnThread(data: CheckpointThreadData): Promise<void> {
  const thread = startWorker(__dirname, 'sqlite-checkpoint-thread', data);
  return new Promise<void>((resolve, reject) => {
    let answered = false;
    thread.once('message', (message: FromCheckpointThread) => {
      answered = true;
      if (message.type === 'done') resolve();
      else reject(new Error(`The checkpoint of ${data.file} failed: ${message.message}`));
    });
    thread.once('error', reject);
    thread.once('exit', (code) => {
      if (!answered) reject(new Error(`The checkpoint thread of ${data.file} ended (exit code ${code}) without answering`));
    });
  });
}

/** The size of a database file's WAL; 0 without one (in memory, or not in WAL mode). */
function walBytes(file: string): number {
  if (file === ':memory:' || file === '') return 0;
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}
