import { shareTheLoop } from '../../src/commands/loop-share';
import { type ExecutionWriter, storeExecutionWriter } from '../../src/process-managers/scheduler';
import { FIRE_SLICE } from '../../src/process-managers/scheduler/tick-timer';
import { SchedulerHarness } from './scheduler-support';

const START = '2026-06-01T08:00:00.000Z';
/** The tests that watch a hold give it far longer than it can need, so a stalled machine cannot end it before they look. */
const HOLD_WATCHED = { commandHoldMs: 60_000 };

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

  it('holds commands started between slices back until the last tick of the instant is committed', async () => {
    const tasks = FIRE_SLICE + 40;
    let commandWent: Promise<{ fired: number; created: number }> | undefined;
    watchTimerCallbacks(h, (fired, firedInAll) => {
      if (fired !== FIRE_SLICE || commandWent) return;
      // A command (a manual trigger) reaching the command shell while ticks of this instant remain.
      const turn = shareTheLoop();
      expect(turn).toBeInstanceOf(Promise);
      const { stats } = h.instances[0].scheduler;
      commandWent = turn!.then(() => ({ fired: stats.fired, created: stats.created }));
      expect(firedInAll).toBe(FIRE_SLICE);
    });
    await h.startScheduler('a', HOLD_WATCHED);
    await createTasksDueAt805(tasks);

    await h.advanceTo('2026-06-01T08:06:00.000Z');
    expect(commandWent).toBeDefined();
    expect(await commandWent).toEqual({ fired: tasks, created: tasks });
    // The hold ended with the instant: a command now goes on at once.
    await new Promise((resolve) => setImmediate(resolve));
    expect(shareTheLoop()).toBeUndefined();
  });

  it('holds commands back until the ticks it fired are committed, not only fired', async () => {
    const store = storeExecutionWriter(h.events, h.clock);
    const writesWaiting: Array<() => void> = [];
    const writer: ExecutionWriter = (command, context) =>
      new Promise((resolve, reject) => writesWaiting.push(() => void store(command, context).then(resolve, reject)));
    const { scheduler } = await h.startScheduler('a', { ...HOLD_WATCHED, writer });
    await createTasksDueAt805(3);
    await h.sync();

    const commitAll = () => writesWaiting.splice(0).forEach((write) => write());
    try {
      await h.clock.advanceTo(new Date('2026-06-01T08:05:00.000Z'));
      expect(scheduler.stats.fired).toBe(3);
      expect(writesWaiting).toHaveLength(3);
      const turn = shareTheLoop();
      expect(turn).toBeInstanceOf(Promise);
      let went = false;
      const going = turn!.then(() => (went = true));
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(went).toBe(false);

      commitAll();
      await going;
      expect(scheduler.stats.created).toBe(3);
    } finally {
      commitAll(); // a failed expectation must not leave the scheduler's writes (and afterEach) waiting
    }
  });
});
