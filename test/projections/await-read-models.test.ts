import { awaitReadModels } from '../../src/projections/await-read-models';
import type { ProjectionStatus } from '../../src/projections/projection-runner';
import type { Position } from '../../src/stores/events/event-store';

/**
 * Projections applied elsewhere, as the HTTP thread sees them: each has a position that a test moves;
 * waitForPosition resolves when all have reached the target, or times out, like the runner's.
 */
class AppliedElsewhere {
  readonly positions = new Map<string, number>();
  errors = new Map<string, string>();
  /** An event store that cannot count events (EventStoreDB): lag is null while behind, 0 when caught up. */
  uncounted = false;
  /** Runs when the waiter looks at the statuses (once per window it waited in vain). */
  beforeStatus: () => void = () => undefined;
  private readonly listeners = new Set<() => void>();

  constructor(names: string[]) {
    for (const name of names) this.positions.set(name, 0);
  }

  move(name: string, position: number): void {
    this.positions.set(name, position);
    for (const listener of this.listeners) listener();
  }

  waitForPosition(target: Position | null, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (![...this.positions.values()].every((p) => p >= (target ?? 0))) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error('timed out'));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  async status(): Promise<ProjectionStatus[]> {
    this.beforeStatus();
    const head = Math.max(...this.positions.values(), 100);
    return [...this.positions].map(([name, position]) => {
      const lag = this.uncounted && position < head ? null : head - position;
      return { name, version: 1, generation: 1, position, lag, behindSeconds: position < head ? 1 : 0, error: this.errors.get(name) ?? null, rebuilding: null };
    });
  }
}

const limits = { stalledMs: 100, longestMs: 2_000 };

describe('awaitReadModels (read-your-writes)', () => {
  it('waits past the stall window while the projections short of the write keep moving, however slowly', async () => {
    const projections = new AppliedElsewhere(['tasks', 'history']);
    projections.move('tasks', 50);
    let windows = 0;
    // Each window the history projection moves a little (10 events) without reaching the write.
    projections.beforeStatus = () => {
      windows++;
      projections.move('history', windows * 10);
    };
    const started = Date.now();
    await awaitReadModels({ projections }, 50, limits);
    expect(projections.positions.get('history')).toBeGreaterThanOrEqual(50);
    expect(windows).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(limits.stalledMs * 5 - 10);
  });

  it('keeps waiting on an event store that cannot count the lag, while the projections short of the write move', async () => {
    const projections = new AppliedElsewhere(['tasks', 'history']);
    projections.uncounted = true;
    projections.move('tasks', 50);
    let windows = 0;
    projections.beforeStatus = () => projections.move('history', ++windows * 10);
    await awaitReadModels({ projections }, 50, limits);
    expect(projections.positions.get('history')).toBeGreaterThanOrEqual(50);
    expect(windows).toBe(5);
  });

  it('gives up after two windows when a projection short of the write stands still (no leader applying)', async () => {
    const projections = new AppliedElsewhere(['tasks', 'history']);
    projections.move('tasks', 50);
    let windows = 0;
    projections.beforeStatus = () => windows++;
    await awaitReadModels({ projections }, 50, limits);
    expect(projections.positions.get('history')).toBe(0);
    expect(windows).toBe(2);
  });

  it('gives up at once when a projection short of the write is failing, even while others move', async () => {
    const projections = new AppliedElsewhere(['tasks', 'history']);
    projections.errors.set('history', 'cannot apply event 7');
    let windows = 0;
    projections.beforeStatus = () => projections.move('tasks', ++windows * 10);
    await awaitReadModels({ projections }, 50, limits);
    expect(windows).toBe(1);
  });

  it('answers at once when there is nothing to wait for', async () => {
    const projections = new AppliedElsewhere(['tasks']);
    projections.move('tasks', 10);
    await awaitReadModels({ projections }, null, limits);
    await awaitReadModels({ projections }, 10, limits);
  });
});
