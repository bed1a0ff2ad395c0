/**
 * How often, at most, a server reads the latest revocation from the read store: a revocation answered by
 * any server over the same store is seen by every other one at most this long afterwards (plus one read).
 */
export const REVOCATION_CHECK_MS = 250;

/**
 * The latest revocation as the read store has it (the access projection's marker: the `$all` position of
 * the latest event that may have taken access away from anyone), read again once the value in memory is
 * older than `maxAgeMs`. One indexed read per server per interval, however many requests ask; cached API
 * keys and open live streams are checked again when it moves.
 *
 * Its age is measured on the monotonic wall clock, not the domain clock: like the leader lease, it is about
 * live processes sharing a store, and a test's frozen clock must not freeze it.
 */
export class RevocationWatch {
  private value = 0;
  /** performance.now() when the read that gave `value` started; -Infinity: read at the next question. */
  private readStartedAt = -Infinity;
  private reading: Promise<number> | null = null;
  private invalidations = 0;

  constructor(
    private readonly readLatest: () => Promise<number>,
    private readonly maxAgeMs = REVOCATION_CHECK_MS,
  ) {}

  /** The latest revocation, as read at most `maxAgeMs` ago. */
  latest(): number | Promise<number> {
    if (performance.now() - this.readStartedAt < this.maxAgeMs) return this.value;
    return (this.reading ??= this.read());
  }

  /** After a revocation in this process: the next question reads the store. */
  invalidate(): void {
    this.invalidations++;
    this.readStartedAt = -Infinity;
    this.reading = null;
  }

  private async read(): Promise<number> {
    const startedAt = performance.now();
    const invalidations = this.invalidations;
    try {
      const value = await this.readLatest();
      // A read that began before an invalidate() may have missed that revocation: it answers, but is not kept.
      if (invalidations === this.invalidations) {
        this.value = value;
        this.readStartedAt = startedAt;
        this.reading = null;
      }
      return value;
    } catch (err) {
      if (invalidations === this.invalidations) this.reading = null;
      throw err;
    }
  }
}
