import { firstValueFrom, merge, type Observable, Subject } from 'rxjs';
import type { Position, RecordedEvent, Subscription } from './event-store';

/**
 * Reads `$all` after its checkpoint from SQL on every pull, so each subscriber goes at its own pace and
 * live events arrive the same way as stored ones: no gap, no duplicate, whatever races the switch.
 */
export class SqliteSubscription implements Subscription {
  private closed = false;
  private readonly closing$ = new Subject<void>();

  constructor(
    private after: Position | null,
    private readonly readAfter: (after: Position | null) => { events: RecordedEvent[]; through: Position | null },
    private readonly changes$: Observable<void>,
    private readonly onClose: (subscription: SqliteSubscription) => void,
    private readonly onCheckpoint?: (position: Position) => void | Promise<void>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<RecordedEvent[]> {
    try {
      while (!this.closed) {
        const { events: batch, through } = this.readAfter(this.after);
        const skipped = through !== this.after;
        this.after = through;
        if (batch.length > 0) {
          yield batch;
          continue;
        }
        // Only recent events the filter skipped: the consumer may save how far that is.
        if (skipped && through !== null) await this.onCheckpoint?.(through);
        // Subscribing happens synchronously right after the synchronous read, and commits run in
        // their own macrotask, so no commit can slip in between unnoticed.
        await firstValueFrom(merge(this.changes$, this.closing$), { defaultValue: undefined });
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing$.next();
    this.closing$.complete();
    this.onClose(this);
  }
}
