import { MISSED_STORE_UNAVAILABLE } from '../../src/events/execution-events';
import { storeExecutionWriter, tickExecutionId, type ExecutionWriter } from '../../src/process-managers/scheduler';
import { loadSnapshot } from '../../src/process-managers/manager-snapshots';
import { waitFor } from '../support/wait-for';
import { everyMinutes, SchedulerHarness } from './scheduler-support';

const START = '2026-06-01T08:00:00.000Z';

/**
 * The store refuses the writes of one tick a number of times (as a full disk or a locked database
 * would), while every other tick's write goes through.
 */
function refusingWrites(h: SchedulerHarness, scheduledAt: string, refusals: number): { writer: ExecutionWriter; refused: () => number } {
  const store = storeExecutionWriter(h.events, h.clock);
  let refused = 0;
  const writer: ExecutionWriter = async (command, context) => {
    if (command.scheduledAt === scheduledAt && refused < refusals) {
      refused++;
      throw new Error('SQLITE_FULL: database or disk is full');
    }
    return store(command, context);
  };
  return { writer, refused: () => refused };
}

describe('scheduler, when the store refuses a tick', () => {
  let h: SchedulerHarness;

  beforeEach(() => {
    h = new SchedulerHarness(START);
  });
  afterEach(() => h.close());

  it('retries the tick and creates it normally when the store recovers within its retries', async () => {
    const failing = refusingWrites(h, '2026-06-01T08:10:00.000Z', 2);
    const { scheduler } = await h.startScheduler('a', { writer: failing.writer });
    const taskId = await h.createTask();
    await h.advanceTo('2026-06-01T08:25:00.000Z');

    expect(failing.refused()).toBe(2);
    expect(await h.ticks(taskId)).toEqual(everyMinutes(START, '2026-06-01T08:20:00.000Z', 10));
    expect((await h.executions(taskId)).every((e) => e.missed === null)).toBe(true);
    expect(scheduler.stats).toMatchObject({ failed: 0, recoveredAsMissed: 0 });
  });

  it('records a tick whose retries ran out as MISSED once the store takes writes again, even after later ticks landed', async () => {
    const lost = '2026-06-01T08:10:00.000Z';
    const failing = refusingWrites(h, lost, 7); // four tries, then three more while recovering
    const { scheduler } = await h.startScheduler('a', { writer: failing.writer });
    const taskId = await h.createTask();
    await h.advanceTo('2026-06-01T08:45:00.000Z');

    expect(failing.refused()).toBe(7);
    expect(await h.ticks(taskId)).toEqual(everyMinutes(START, '2026-06-01T08:40:00.000Z', 10));
    const missed = (await h.executions(taskId)).find((e) => e.created.scheduledAt === lost)!;
    expect(missed.id).toBe(tickExecutionId(taskId, lost));
    expect(missed.missed).toMatchObject(MISSED_STORE_UNAVAILABLE);
    expect(scheduler.stats).toMatchObject({ failed: 1, recoveredAsMissed: 1 });

    // A restart from zero finds every tick accounted for and creates nothing more.
    await h.instances[0].stop();
    const again = await h.startScheduler('b');
    await h.advanceTo('2026-06-01T08:45:30.000Z');
    expect(again.scheduler.stats).toMatchObject({ created: 0, missedRecorded: 0, ticksSkipped: 0 });
    expect(await h.ticks(taskId)).toHaveLength(5);
  });

  it('stops retrying at once when stopped, without waiting for the clock', async () => {
    const failing = refusingWrites(h, START, 1_000);
    const instance = await h.startScheduler('a', { writer: failing.writer });
    const taskId = await h.createTask();
    await h.clock.advance(60_000); // the tick's four tries, then recovery waits the clock will not reach
    expect(instance.scheduler.pendingWrites).toBe(1);
    await instance.stop();
    expect(instance.scheduler.pendingWrites).toBe(0);
    expect(await h.ticks(taskId)).toEqual([]);
  });

  it('owes a tick it fired but never wrote to the next start, which begins from the state it saved', async () => {
    const lost = '2026-06-01T08:10:00.000Z';
    const failing = refusingWrites(h, lost, 1_000);
    const first = await h.startScheduler('a', { writer: failing.writer });
    const taskId = await h.createTask();
    await h.advanceTo('2026-06-01T08:05:00.000Z');
    await h.clock.advance(6 * 60_000); // the 08:10 tick fires; its write is refused and retried
    await waitFor(() => failing.refused() > 0);
    await first.stop();
    const stoppedAt = await h.events.headPosition();

    const again = await h.startScheduler('a');
    // It began from the snapshot saved at the stop, which says nothing of the tick fired and not written.
    expect(await loadSnapshot(again.reads, again.scheduler.name, again.scheduler.snapshots.version)).toMatchObject({ position: stoppedAt });
    const missed = (await h.executions(taskId)).find((e) => e.created.scheduledAt === lost);
    expect(missed?.id).toBe(tickExecutionId(taskId, lost));
    expect(missed?.missed).toMatchObject({ cause: 'scheduler_offline' });
  });
});
