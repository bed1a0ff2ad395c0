import { DeadlinesManager, type Deadline } from '../../src/process-managers/deadlines/deadlines-manager';
import type { EventStore } from '../../src/stores/events/event-store';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { waitFor } from '../support/wait-for';
import { executionEvents } from './deadline-events';

/**
 * A snapshot stands for the events before it: a deadline that fell due and whose command has not been
 * stored is still open as far as they tell, so the state saved meanwhile keeps it, and a manager
 * restored from that state acts on it when it goes live.
 */
describe('a snapshot of the deadlines manager', () => {
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  const { iso, created } = executionEvents(t0);

  it('keeps a deadline whose command is under way, and the restored manager acts on it', async () => {
    const clock = new ManualClock(iso(0));
    const acted: Array<[Deadline['kind'], string]> = [];
    let finish = () => {};
    const services = { events: null as unknown as EventStore, clock, logger: silentLogger };
    const act = async (deadline: Deadline, now: Date) => {
      acted.push([deadline.kind, now.toISOString()]);
      await new Promise<void>((resolve) => (finish = resolve));
    };
    const first = new DeadlinesManager(services, { act });
    first.apply(created({ timeoutSeconds: 60, startDeadlineSeconds: null }), true);
    first.goLive();
    await clock.advanceTo(new Date(t0 + 60_000));
    await waitFor(() => acted.length === 1);
    expect(first.size).toBe(0);
    const saved = JSON.parse(JSON.stringify(first.snapshots.take()));
    finish(); // the process stops before the command's event is stored
    await first.stop();

    const restored = new DeadlinesManager(services, { act: async (deadline, now) => void acted.push([deadline.kind, now.toISOString()]) });
    restored.snapshots.restore(saved);
    expect(restored.size).toBe(1);
    await clock.advanceTo(new Date(t0 + 90_000));
    restored.goLive();
    await waitFor(() => acted.length === 2);
    expect(acted).toEqual([
      ['timeout', iso(60)],
      ['timeout', iso(90)],
    ]);
    await restored.stop();
  });
});
