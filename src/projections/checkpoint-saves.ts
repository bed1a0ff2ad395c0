import type { Position } from '../stores/events/event-store';

/**
 * How long a position the engine searched past may wait to be saved: one write for the many searches
 * of that time. Live, a projection skips nearly every batch of another's events, and a write each was
 * two thirds of the projection thread's commits under report load.
 */
export const SKIPPED_SAVE_DELAY_MS = 250;

/**
 * The saves of one generation's checkpoint. Batches save theirs as they are applied (`write`); a
 * position reached only by the engine searching past events the projection does not consume
 * (`searchedPast`) is saved at most SKIPPED_SAVE_DELAY_MS later, or at `saveNow` (a stop). The two
 * never write at the same time, so an older position cannot land after a newer one.
 */
export class CheckpointSaves {
  /** The position stored, as far as this generation knows. */
  private saved: Position | null = null;
  /** A save of a searched-past position, due or under way. */
  private due: { timer: ReturnType<typeof setTimeout> | null; write: Promise<void> | null } | null = null;
  /** Writes of batches under way. */
  private writes = 0;

  constructor(
    /** The position the generation has reached (applied or searched past). */
    private readonly reached: () => Position | null,
    private readonly store: (position: Position) => Promise<void>,
    private readonly failed: (err: unknown) => void,
  ) {}

  /** The checkpoint as read from the store. */
  stored(position: Position | null): void {
    this.saved = position;
  }

  /** A write that stores the checkpoint with a batch: after a save under way, and none starts meanwhile. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    // Counted before waiting: a save must not start in between.
    this.writes++;
    try {
      await this.due?.write;
      return await work();
    } finally {
      this.writes--;
    }
  }

  /** A batch's write stored the checkpoint at `position`. */
  wrote(position: Position): void {
    if (this.saved === null || position > this.saved) this.saved = position;
  }

  /** The generation reached a position by the engine's search alone: saved soon. */
  searchedPast(): void {
    this.due ??= { timer: this.later(), write: null };
  }

  /** Saves what is due now (a stop); failures are logged, and a later write saves a later position anyway. */
  saveNow(): Promise<void> {
    const due = this.due;
    if (due === null) return Promise.resolve();
    if (due.write) return due.write;
    if (due.timer) clearTimeout(due.timer);
    due.timer = null;
    if (this.writes > 0) {
      // That write may save as far itself; if not, this is saved after it.
      due.timer = this.later();
      return Promise.resolve();
    }
    due.write = (async () => {
      const position = this.reached();
      if (position === null || (this.saved !== null && position <= this.saved)) return;
      await this.store(position);
      this.wrote(position);
    })()
      // Reached further while this save was under way: that is due too.
      .then(() => {
        if (this.due === due) this.due = null;
        const reached = this.reached();
        if (reached !== null && this.saved !== null && reached > this.saved) this.searchedPast();
      })
      .catch(this.failed)
      .finally(() => {
        if (this.due === due) this.due = null;
      });
    return due.write;
  }

  private later(): ReturnType<typeof setTimeout> {
    return setTimeout(() => void this.saveNow(), SKIPPED_SAVE_DELAY_MS);
  }
}
