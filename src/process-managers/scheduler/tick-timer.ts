import { holdCommands } from '../../commands/loop-share';
import type { Clock } from '../../time/clock';
import { IndexedMinHeap } from '../indexed-min-heap';
import type { CalendarGate } from './calendar-gate';
import type { ScheduledTask } from './scheduled-task';
import type { TaskBook } from './task-book';

/**
 * Due ticks handled per timer callback before the event loop gets a turn: as many as the event writer
 * commits in one transaction (group-commit.ts), so the first slice's appends are being committed while the
 * next slice fires, and the acknowledgements of each are heard between slices instead of after the whole
 * second (1,667 ticks each second for 100k every-minute tasks; 100k at once for `0 * * * *`).
 */
export const FIRE_SLICE = 256;
/** Window boundaries crossed looking for a task's next runnable tick before leaving the rest to fire time. */
const MAX_BOUNDARY_HOPS = 4;

/**
 * The scheduler's timing: ONE binary heap of (next tick, task) over every armed task and ONE clock timer
 * armed for its top. When the timer fires, every due task is popped, fired if it may run at that tick,
 * and re-keyed at its next tick. A change to a task or group re-keys the tasks concerned at once.
 *
 * A task fires when it is ACTIVE and its group (if any, and if it still exists: a group deleted a moment
 * ago counts as no group, as on the query side) runs at the tick: ACTIVE and inside its window, or
 * manually started, until the next window boundary. A task is keyed at its next tick at which the
 * group runs (closed windows are skipped boundary by boundary, not tick by tick); one that cannot run
 * before its group changes (a disabled group, a manual stop without a window) leaves the heap until
 * the group's next event re-keys it. A task's calendar and its project's pause windows and snoozes
 * (calendar-gate.ts, from the project streams) hold ticks back the same way, keyed past what they hold.
 *
 * Nothing is keyed or armed before `goLive`.
 */
export class TickTimer {
  private readonly heap = new IndexedMinHeap<ScheduledTask>((task) => task.nextMs);
  private cancelTimer: (() => void) | null = null;
  private armedAt = Number.NaN;
  private live = false;
  private stopped = false;
  /** Releases the commands held back while the due ticks of one instant fire slice by slice. */
  private releaseCommands: (() => void) | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly book: TaskBook,
    private readonly calendars: CalendarGate,
    private readonly fire: (task: ScheduledTask, tick: number, now: number) => void,
    /** Longest the due ticks of one instant hold commands back (holdCommands). */
    private readonly commandHoldMs: number,
  ) {}

  /** How many tasks are in the heap. */
  get armed(): number {
    return this.heap.size;
  }

  /** The next tick the task will fire at, or null when it is not armed. */
  nextTickOf(task: ScheduledTask): Date | null {
    return this.heap.has(task) ? new Date(task.nextMs) : null;
  }

  goLive(): void {
    this.live = true;
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.letCommandsGo();
  }

  /** Takes a task out of the heap for good (it was deleted). */
  remove(task: ScheduledTask): void {
    this.heap.remove(task);
  }

  /**
   * Puts the task in the heap at its next tick from `now` on (or takes it out). Only once live. Going live
   * passes the instant it counted the downtime up to: a tick the clock passed in between is then fired,
   * not left out of both.
   */
  rekey(task: ScheduledTask, arm = true, now = this.clock.now().getTime()): void {
    if (!this.live || this.stopped) return;
    const cursor = Math.max(now - 1, this.book.cursorOf(task));
    this.place(task, this.book.armable(task) ? this.nextRunnable(task, cursor) : Number.NaN);
    if (arm) this.arm();
  }

  /** Sets the clock timer for the heap's top, unless it is set for that instant already. */
  arm(): void {
    if (!this.live || this.stopped) return;
    const top = this.heap.peek();
    const at = top ? top.nextMs : Number.NaN;
    if (at === this.armedAt) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.armedAt = at;
    if (top) this.cancelTimer = this.clock.setTimer(new Date(at), this.onTimer);
  }

  /**
   * The task's first tick strictly after `afterMs` at which its group runs and its calendar and pause
   * windows let it fire, skipping closed windows boundary by boundary and held-back days or windows to
   * their end (a few hops at most; the tick is judged again when it fires anyway). NaN when it cannot
   * run again before something changes (a manual stop without a window, an `only` calendar past its
   * last date).
   */
  private nextRunnable(task: ScheduledTask, afterMs: number): number {
    const schedule = task.schedule!;
    let next = schedule.nextMs(afterMs);
    const gate = this.book.gateOf(task);
    for (let hop = 0; hop < MAX_BOUNDARY_HOPS && !Number.isNaN(next); hop++) {
      let resume: number;
      if (gate !== undefined && !gate.runsAt(next)) resume = gate.nextBoundaryAfter(next);
      else {
        const verdict = this.calendars.verdict(task, gate, next);
        if (verdict.fires) break;
        resume = verdict.untilMs;
      }
      next = Number.isNaN(resume) ? resume : schedule.nextMs(resume - 1);
    }
    return next;
  }

  private place(task: ScheduledTask, next: number): void {
    task.nextMs = next;
    if (Number.isNaN(next)) this.heap.remove(task);
    else this.heap.upsert(task);
  }

  private readonly onTimer = (): void => {
    this.cancelTimer = null;
    this.armedAt = Number.NaN;
    if (!this.live || this.stopped) return;
    const now = this.clock.now().getTime();
    for (let budget = FIRE_SLICE; budget > 0; budget--) {
      const task = this.heap.peek();
      if (!task || task.nextMs > now) break;
      this.advance(task, now);
    }
    // Due ticks left for the next slice: commands wait for them (and, in the scheduler, for their commits).
    const top = this.heap.peek();
    if (top && top.nextMs <= now) this.releaseCommands ??= holdCommands(this.commandHoldMs);
    else this.letCommandsGo();
    this.arm(); // at once again if due ticks remain after this slice
  };

  private letCommandsGo(): void {
    this.releaseCommands?.();
    this.releaseCommands = null;
  }

  /** Handles the due tick at the top of the heap: fire it or not, then re-key the task. */
  private advance(task: ScheduledTask, now: number): void {
    const tick = task.nextMs;
    if (!this.book.armable(task)) {
      this.place(task, Number.NaN);
      return;
    }
    const gate = this.book.gateOf(task);
    if ((gate === undefined || gate.runsAt(tick)) && this.calendars.verdict(task, gate, tick).fires) this.fire(task, tick, now);
    this.place(task, this.nextRunnable(task, tick));
  }
}
