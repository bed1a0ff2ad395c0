import { shareTheLoop } from '../../src/commands/loop-share';
import { FIRE_SLICE } from '../../src/process-managers/scheduler/tick-timer';
import { SchedulerHarness } from './scheduler-support';

const START = '2026-06-01T08:00:00.000Z';

/** The scheduler's timer callbacks, each reported with how many ticks it fired. */
function watchTimerCallbacks(h: SchedulerHarness, afterEach: (firedByThis: number, firedInAll: number) => void): void {
  const setTimer = h.clock.setTimer.bind(h.clock);
  h.clock.setTimer = (at, callback) =>
    setTimer(at, () => {
      const { stats } = h.instances[0].scheduler;
      const before = stats.fired;
      callback();
      afterEach(stats.fired - before, stats.fired);
    });
}

describe('scheduler firing many due ticks at once', () => {
  let h: SchedulerHarness;

  beforeEach(() => {
    h = new SchedulerHarness(START);
  });
  afterEach(() => h.close());

  async function createTasksDueAt805(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await h.createTask({ scheduleConfig: { cron_expression: '5 * * * *', timezone: 'UTC' } });
  }

  it('fires a second with more due ticks than a slice in slices, the event loop getting a turn between them', async () => {
    const firedPerTimer: number[] = [];
    watchTimerCallbacks(h, (fired) => firedPerTimer.push(fired));
    await h.startScheduler();
    const tasks = FIRE_SLICE + 40;
    await createTasksDueAt805(tasks);

    await h.advanceTo('2026-06-01T08:06:00.000Z');
    expect(await h.executions()).toHaveLength(tasks);
    expect(firedPerTimer.filter((fired) => fired > 0)).toEqual([FIRE_SLICE, 40]);
  });

  it('holds commands started between slices back until the last slice has fired', async () => {
    const tasks = FIRE_SLICE + 40;
    let commandWent: Promise<number> | undefined;
    watchTimerCallbacks(h, (fired, firedInAll) => {
      if (fired !== FIRE_SLICE || commandWent) return;
      // A command (a manual trigger) reaching the command shell while ticks of this instant remain.
      const turn = shareTheLoop();
      expect(turn).toBeInstanceOf(Promise);
      commandWent = turn!.then(() => h.instances[0].scheduler.stats.fired);
      expect(firedInAll).toBe(FIRE_SLICE);
    });
    await h.startScheduler();
    await createTasksDueAt805(tasks);

    await h.advanceTo('2026-06-01T08:06:00.000Z');
    expect(commandWent).toBeDefined();
    expect(await commandWent).toBe(tasks);
    // The hold ended with the instant: a command now goes on at once.
    await new Promise((resolve) => setImmediate(resolve));
    expect(shareTheLoop()).toBeUndefined();
  });
});
