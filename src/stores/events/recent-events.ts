import type { Position, RecordedEvent } from './event-store';

/** How the reading connection notices commits made by anyone but this store. */
export interface CommitWatch {
  /** `PRAGMA data_version` of the reading connection: changes whenever another connection commits. */
  dataVersion(): number;
  head(): Position | null;
  /** Whether this store has writes committed or committing that it has not been told about yet (a writer thread's). */
  ownWritesInFlight(): boolean;
}

/**
 * The events this store wrote last, kept parsed in memory. Every subscriber (projections, process
 * managers, live feeds) reads what was just committed; answering those reads from here saves each of
 * them a query and a JSON parse per event. The cache answers only when it is sure to be complete:
 * its events are contiguous, and the reading connection's `PRAGMA data_version` has not changed since
 * it last checked, or the newest stored event is the cache's own last one. When newer events are stored
 * while this store's writer thread has writes in flight, the cache still answers up to its last event:
 * those are most likely its own, about to be reported (and to wake every subscriber); if they are
 * another writer's, the store's poller wakes the subscribers again once nothing of ours is in flight.
 */
export class RecentEvents {
  private events: RecordedEvent[] = [];
  private dataVersion: number | null = null;

  constructor(
    private readonly capacity: number,
    private readonly watch: CommitWatch,
  ) {}

  /** Events this store has just committed, in position order. */
  committed(events: RecordedEvent[]): void {
    if (events.length === 0) return;
    const last = this.events.at(-1);
    if (last && events[0].position !== last.position + 1) this.events = [];
    for (const event of events) this.events.push(Object.freeze(event));
    if (this.events.length > 2 * this.capacity) this.events = this.events.slice(-this.capacity);
  }

  /** The positions of the first and last event kept; null when none are. */
  span(): { first: Position; last: Position } | null {
    const first = this.events[0];
    return first ? { first: first.position, last: this.events.at(-1)!.position } : null;
  }

  /**
   * The events after `after` that `accept` takes (at most `limit`, -1 for all), and the position up to
   * which it looked (so a filtered reader need not look at the same events again); null when unsure.
   */
  after(
    after: Position | null,
    accept: ((event: RecordedEvent) => boolean) | null,
    limit: number,
  ): { events: RecordedEvent[]; through: Position } | null {
    const first = this.events[0];
    if (!first || !this.isComplete()) return null;
    const from = after === null ? 0 : after - first.position + 1;
    if (from < 0 || (after === null && first.position !== 1)) return null;
    const found: RecordedEvent[] = [];
    let through = after ?? 0;
    for (let i = from; i < this.events.length && (limit < 0 || found.length < limit); i++) {
      const event = this.events[i];
      if (!accept || accept(event)) found.push(event);
      through = event.position;
    }
    return { events: found, through };
  }

  private isComplete(): boolean {
    const version = this.watch.dataVersion();
    if (version === this.dataVersion) return true;
    if (this.watch.head() === this.events.at(-1)?.position) {
      this.dataVersion = version;
      return true;
    }
    // Newer events are stored: ours, not yet reported, or another writer's (then SQL answers).
    return this.watch.ownWritesInFlight();
  }
}
