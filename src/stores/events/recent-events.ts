import type { Position, RecordedEvent } from './event-store';

/**
 * The events this connection committed last, kept parsed in memory. Every subscriber (projections,
 * process managers, live feeds) reads what was just committed; answering those reads from here saves
 * each of them a query and a JSON parse per event. The cache answers only when it is sure to be
 * complete: its events are contiguous, and no other connection has committed since (`PRAGMA
 * data_version` changes exactly then). Otherwise it says so and the caller reads SQL.
 */
export class RecentEvents {
  private events: RecordedEvent[] = [];
  private staged: RecordedEvent[] = [];
  private dataVersion: number | null = null;

  constructor(
    private readonly capacity: number,
    private readonly currentDataVersion: () => number,
  ) {}

  /** Events of an append whose savepoint succeeded; they count once the transaction commits. */
  stage(events: RecordedEvent[]): void {
    for (const event of events) this.staged.push(Object.freeze(event));
  }

  committed(): void {
    const version = this.currentDataVersion();
    if (this.dataVersion !== version) this.events = [];
    const staged = this.staged;
    this.staged = [];
    if (staged.length > 0) {
      const last = this.events.at(-1);
      if (last && staged[0].position !== last.position + 1) this.events = [];
      this.events.push(...staged);
      if (this.events.length > 2 * this.capacity) this.events = this.events.slice(-this.capacity);
    }
    this.dataVersion = version;
  }

  rolledBack(): void {
    this.staged = [];
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
    if (!first) return null;
    if (this.currentDataVersion() !== this.dataVersion) {
      this.events = [];
      return null;
    }
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
}
