import { DeadlinesManager, type Deadline } from '../../src/process-managers/deadlines/deadlines-manager';
import type { EventStore } from '../../src/stores/events/event-store';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { executionEvents } from './deadline-events';

/** A QUEUED run (overlap policy) has no deadline running while it waits; both count from its release. */
describe('deadlines of a QUEUED execution', () => {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  const { iso, recorded, created } = executionEvents(t0);

  it('arms nothing while QUEUED; from ExecutionReleased the start deadline and the timeout run', async () => {
    const clock = new ManualClock(iso(0));
    const acted: Array<[Deadline['kind'], string]> = [];
    const manager = new DeadlinesManager(
      { events: null as unknown as EventStore, clock, logger: silentLogger },
      { act: async (deadline, now) => void acted.push([deadline.kind, now.toISOString()]) },
    );
    manager.apply(created({ timeoutSeconds: 300, startDeadlineSeconds: 60 }), false);
    manager.apply(recorded('ExecutionQueued', { at: iso(0), cause: 'previous_run_open', blockingExecutionId: 'e0', limit: null }), false);
    manager.goLive();
    expect(manager.size).toBe(0);
    await clock.advanceTo(new Date(t0 + 1000 * 1000));
    expect(acted).toEqual([]);

    manager.apply(recorded('ExecutionReleased', { at: iso(1000), after: 'e0' }), false);
    expect(manager.size).toBe(2);
    await clock.advanceTo(new Date(t0 + 1059 * 1000));
    expect(acted).toEqual([]);
    await clock.advanceTo(new Date(t0 + 1060 * 1000));
    expect(acted).toEqual([['start', iso(1060)]]);
    await clock.advanceTo(new Date(t0 + 1300 * 1000));
    expect(acted).toEqual([
      ['start', iso(1060)],
      ['timeout', iso(1300)],
    ]);
    await manager.stop();
  });
});
