import type Database from 'better-sqlite3';
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../threads/start-worker';

/** WAL pages not yet copied beyond which a commit asks for a checkpoint: SQLite's own auto-checkpoint default. */
export const CHECKPOINT_AFTER_PAGES = 1000;

/**
 * Where the WAL index (the `-shm` file) keeps, in native byte order, the last valid frame of the WAL
 * (`mxFrame`, in its header) and the last frame copied into the database (`nBackfill`, in the checkpoint
 * information after the header's two copies): https://www.sqlite.org/walformat.html, section 2.2.
 */
const MX_FRAME_OFFSET = 16;
const N_BACKFILL_OFFSET = 96;
const WAL_INDEX_HEADER_BYTES = 100;
const NATIVE_LITTLE_ENDIAN = endianness() === 'LE';

export interface CheckpointThreadData {
  file: string;
  busyTimeoutMs: number;
}

export type ToCheckpointThread = { type: 'checkpoint' } | { type: 'close' };
export type FromCheckpointThread = { type: 'done' } | { type: 'error'; message: string };

/** The connection's commits no longer checkpoint: its WalCheckpoints does, on the thread. */
export function leaveCheckpointsToThread(db: Database.Database): void {
  db.pragma('wal_autocheckpoint = 0');
}

type Answer = (message: FromCheckpointThread | Error) => void;

/**
 * The checkpoints of one read.db connection, which copy its WAL into the database file. SQLite's
 * auto-checkpoint makes the commit that passes 1,000 WAL pages copy them all and wait for two fsyncs
 * on the committing thread: with executors reporting, the projections' thread spent 37% of its busy
 * time in BEGIN and COMMIT (21% with this; bench/ingest.ts --cpu-prof), and 20,000 transactions like
 * a live history batch's took 131–184 µs each with this, 219–272 without. So this connection's commits
 * never checkpoint; past the same 1,000 pages they ask the `checkpoint` thread (sqlite-checkpoint-thread.ts),
 * which copies them with a PASSIVE checkpoint beside the readers and writers. The thread starts at the
 * first request and lives until the store closes. A failed checkpoint loses nothing: the pages stay in
 * the WAL and the next one copies them.
 */
export class WalCheckpoints {
  private thread: { worker: Worker; exited: Promise<void> } | null = null;
  private answer: Answer | null = null;
  /** Checkpoints requested and not yet done: the one under way and at most one after it. */
  private queued = 0;
  private copies: Promise<void> = Promise.resolve();
  private lastFailure: Error | null = null;
  private walIndex: number | null = null;
  private readonly header = Buffer.alloc(WAL_INDEX_HEADER_BYTES);
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /** After a commit of this connection: a checkpoint once the WAL holds CHECKPOINT_AFTER_PAGES pages not yet copied. */
  committed(): void {
    if (this.queued === 0 && this.uncopiedPages() >= CHECKPOINT_AFTER_PAGES) this.request();
  }

  /** A checkpoint on the thread, after the one under way (which may have begun before the latest commits). */
  request(): void {
    if (this.closed || this.queued >= 2) return;
    this.queued++;
    this.copies = this.copies.then(() =>
      this.checkpointOnThread().then(
        () => this.ended(null),
        (err: Error) => this.ended(err),
      ),
    );
  }

  /** WAL pages not yet copied into the database file; 0 without a WAL index (in memory, or not in WAL mode). */
  uncopiedPages(): number {
    if (this.walIndex === null) {
      if (this.closed || this.file === ':memory:' || this.file === '') return 0;
      try {
        this.walIndex = openSync(`${this.file}-shm`, 'r');
      } catch {
        return 0;
      }
    }
    const header = this.header;
    if (readSync(this.walIndex, header, 0, WAL_INDEX_HEADER_BYTES, 0) < WAL_INDEX_HEADER_BYTES) return 0;
    const [lastFrame, copiedFrames] = NATIVE_LITTLE_ENDIAN
      ? [header.readUInt32LE(MX_FRAME_OFFSET), header.readUInt32LE(N_BACKFILL_OFFSET)]
      : [header.readUInt32BE(MX_FRAME_OFFSET), header.readUInt32BE(N_BACKFILL_OFFSET)];
    return Math.max(0, lastFrame - copiedFrames);
  }

  /** Resolves once the checkpoints requested so far are done; rejects when the last one failed. */
  async copied(): Promise<void> {
    await this.copies;
    if (this.lastFailure) throw this.lastFailure;
  }

  /**
   * Lets the checkpoint under way finish, then ends the thread. Undefined when there is nothing to wait
   * for: the store then closes at once (some callers close without waiting, then open the file again).
   */
  close(): Promise<void> | undefined {
    this.closed = true;
    if (this.walIndex !== null) closeSync(this.walIndex);
    this.walIndex = null;
    if (this.thread === null && this.queued === 0) return undefined;
    return this.copies.then(async () => {
      const thread = this.thread;
      this.thread = null;
      if (!thread) return;
      // Held until it has ended, or a process with nothing else to do would exit with this promise pending.
      thread.worker.ref();
      thread.worker.postMessage({ type: 'close' } satisfies ToCheckpointThread);
      await thread.exited;
    });
  }

  private ended(failure: Error | null): void {
    this.queued--;
    this.lastFailure = failure;
  }

  private checkpointOnThread(): Promise<void> {
    const { worker } = (this.thread ??= this.startThread());
    // Held only while a checkpoint is under way: an idle thread does not keep the process alive.
    worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.answer = (message) => {
        this.answer = null;
        worker.unref();
        if (message instanceof Error) reject(message);
        else if (message.type === 'done') resolve();
        else reject(new Error(`The checkpoint of ${this.file} failed: ${message.message}`));
      };
      worker.postMessage({ type: 'checkpoint' } satisfies ToCheckpointThread);
    });
  }

  private startThread(): { worker: Worker; exited: Promise<void> } {
    const data: CheckpointThreadData = { file: this.file, busyTimeoutMs: this.busyTimeoutMs };
    const worker = startWorker(__dirname, 'sqlite-checkpoint-thread', data);
    worker.on('message', (message: FromCheckpointThread) => this.answer?.(message));
    worker.on('error', (err) => this.answer?.(err));
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        // A thread that ended is started again by the next request.
        if (this.thread?.worker === worker) this.thread = null;
        this.answer?.(new Error(`The checkpoint thread of ${this.file} ended (exit code ${code}) without answering`));
        resolve();
      });
    });
    return { worker, exited };
  }
}
