import type { Position } from '../stores/events/event-store';
import type { ProjectionStatus } from './projection-runner';

/** Once the read models have not moved for this long, a read-your-writes wait gives up. */
const STALLED_MS = 2_500;
/** The longest a read-your-writes wait lasts, even while the read models keep moving (a badly loaded machine). */
const LONGEST_WAIT_MS = 30_000;

interface Projections {
  waitForPosition(position: Position | null, timeoutMs?: number): Promise<void>;
  status(): Promise<ProjectionStatus[]>;
}

/**
 * Read-your-writes: resolves once every live projection includes the events up to `position` (the last
 * one a write stored). It waits as long as each projection still short of it is being applied and moving,
 * however slowly (a loaded machine must not turn into a stale answer), and gives up when one stands still
 * or fails (no leader right now, an event it cannot apply). The write is durable either way; the caller
 * then gets its answer and the read models catch up later, rather than an error for a done command.
 */
export async function awaitReadModels(
  services: { projections: Projections },
  position: Position | null,
  limits = { stalledMs: STALLED_MS, longestMs: LONGEST_WAIT_MS },
): Promise<void> {
  if (position === null) return;
  const deadline = Date.now() + limits.longestMs;
  let before: Map<string, Position | null> | null = null;
  for (;;) {
    const window = Math.min(limits.stalledMs, deadline - Date.now());
    if (window <= 0) return;
    try {
      await services.projections.waitForPosition(position, window);
      return;
    } catch {
      // Not there yet: go on only if every projection still short of it moved during the window.
    }
    const statuses = await services.projections.status().catch(() => null);
    if (statuses === null) return;
    // lag is 0 exactly when caught up, on every engine (null: behind by an uncounted number of events).
    const behind = statuses.filter((status) => status.lag !== 0 && (status.position ?? 0) < position);
    if (behind.length === 0 || behind.some((status) => status.error !== null)) return;
    if (before !== null && behind.some((status) => before!.get(status.name) === status.position)) return;
    before = new Map(behind.map((status) => [status.name, status.position]));
  }
}
