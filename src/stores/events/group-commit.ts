import type { Database, Transaction } from 'better-sqlite3';
import { UnavailableError } from '../../errors/app-error';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Bounds how long one flush blocks the event loop; the rest of the queue goes into the next transaction. */
const MAX_GROUP = 256;

/**
 * Group commit: writes submitted during one turn of the event loop share one SQLite transaction (one
 * fsync under synchronous=FULL), each in its own savepoint, so a write that throws rolls back alone
 * and the others commit.
 *
 * better-sqlite3 is synchronous, so nothing can arrive *during* a commit. "Arriving while a commit is in
 * progress" therefore means arriving before the scheduled flush runs: the first submission schedules a
 * flush with setImmediate, and every submission made until then (typically the writers woken by the
 * previous commit's resolved promises) joins the same transaction.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  /** Writes that go into the next transaction before anything queued in `queue` (see submit). */
  private ahead: Pending[] = [];
  private flushScheduled = false;
  private commits = 0;
  private readonly runGroup: Transaction<(group: Pending[]) => Outcome[]>;

  /** `afterCommit` gets the values of the writes that succeeded, before their submitters hear of it. */
  constructor(
    db: Database,
    private readonly afterCommit: (values: unknown[]) => void,
  ) {
    // better-sqlite3 runs a transaction function called inside another one as a SAVEPOINT: on an
    // exception it rolls back to the savepoint and rethrows, leaving the outer transaction open.
    const inSavepoint = db.transaction((work: () => unknown) => work());
    this.runGroup = db.transaction((group: Pending[]) =>
      group.map((pending): Outcome => {
        try {
          return { ok: true, value: inSavepoint(pending.work) };
        } catch (error) {
          // Some errors (disk full, I/O) make SQLite roll back the whole transaction; carrying on would
          // run the remaining work in autocommit mode, so fail the group instead.
          if (!db.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
  }

  /** Transactions committed so far (each is one fsync of the WAL under synchronous=FULL). */
  get commitCount(): number {
    return this.commits;
  }

  /**
   * Runs `work` inside the next group transaction; resolves once that transaction has committed. Work
   * submitted `ahead` joins the next transaction before every ordinary write still queued: behind a
   * burst of thousands, those wait several transactions.
   */
  submit<T>(work: () => T, ahead = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (ahead ? this.ahead : this.queue).push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  /** Commits everything queued now, without waiting for the scheduled flush (used when closing). */
  flushNow(): void {
    while (this.ahead.length + this.queue.length > 0) this.flushOne();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushOne();
      if (this.ahead.length + this.queue.length > 0) this.scheduleFlush();
    });
  }

  private flushOne(): void {
    const group = this.ahead.splice(0, MAX_GROUP);
    group.push(...this.queue.splice(0, MAX_GROUP - group.length));
    if (group.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.runGroup.immediate(group);
    } catch (error) {
      const unavailable = new UnavailableError(`Event store could not commit: ${(error as Error).message}`);
      for (const pending of group) pending.reject(unavailable);
      return;
    }
    this.commits++;
    this.afterCommit(outcomes.flatMap((outcome) => (outcome.ok ? [outcome.value] : [])));
    group.forEach((pending, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}
