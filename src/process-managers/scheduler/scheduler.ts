/**
 * The scheduler process manager (DESIGN.md, "Process managers").
 *
 * State, rebuilt at every start from its snapshot and the events after it, or from `$all` (task-,
 * taskgroup-, execution-, project- and scheduler- streams):
 * every task with its shared compiled schedule, every group (folded and judged exactly as the read
 * side does: evolveTaskGroupDoc + groupRunState), and per task the last tick accounted for (from
 * ExecutionCreated of trigger SCHEDULED and from TicksSkipped), all in task-book.ts.
 *
 * Timing (tick-timer.ts): ONE binary heap of (next tick, task) over every armed task and ONE clock
 * timer armed for its top; a task fires when it is ACTIVE, its group runs at the tick and its calendar
 * and pause windows (calendar-gate.ts) let it.
 *
 * Each tick creates its execution through the execution decider, with the deterministic id of
 * tick-ids.ts, appended with `no_stream`: a second instance, or a restart re-firing a tick, finds the
 * stream there (WrongExpectedRevision) or tombstoned (StreamDeleted) and treats it as done. A tick
 * whose write keeps failing is recorded as MISSED once the store takes writes again (tick-writer.ts).
 *
 * Overlap and concurrency (overlap-gate.ts): the scheduler follows every execution's open runs; a
 * tick is decided against them at fire time (run, replace, QUEUED or SKIPPED, created in one append),
 * and when a run ends the task's (and, with a group limit, the group's) waiting runs are released.
 * Waiting runs are found again by replay, so a restart releases what ended while it was down.
 *
 * Downtime, when going live: for each armed task, the ticks in (last tick accounted for, now] are owed,
 * where "last accounted" is the newest of its last recorded tick, the instant it was created,
 * re-enabled or re-scheduled, and the instant its group was (re-)enabled. Tick instants come from the
 * schedule (occurrencesBetween, cut into the group's running pieces for a windowed group). The first
 * `missedBound` become MISSED executions with reason "scheduler offline" (the tick's own id, created as
 * MISSED in one append); the rest one TicksSkipped {from, to, count} in `scheduler-<taskId>`, appended
 * with the stream's expected revision. `catch_up: latest` also runs the newest owed tick under its
 * catch-up id (only if the task may run now). Order per task: catch-up, MISSED in tick order, then
 * TicksSkipped, so a crash half way re-counts only what was not yet recorded (a CATCH_UP execution
 * therefore does not count as "accounted for": its tick is recorded as MISSED or skipped too).
 * Per-task "last tick" was chosen over a scheduler-wide checkpoint time because it needs no extra
 * writes, survives a crash at any point, and is exact per task (a task created or re-enabled during
 * the downtime owes only the ticks after that).
 */
import { randomUUID } from 'node:crypto';
import { HOLD_MAX_MS, holdCommands } from '../../commands/loop-share';
import type { Logger } from '../../logging/logger';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent } from '../../events/execution-events';
import { PROJECT_EVENT_TYPES, type ProjectEvent } from '../../events/project-events';
import { OverlapControl } from './overlap-control';
import { type TicksSkipped, SCHEDULER_STREAM_PREFIX } from '../../events/scheduler-events';
import { STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import { TASK_EVENT_TYPES, type TaskEvent } from '../../events/task-events';
import { TASK_GROUP_EVENT_TYPES, type TaskGroupEvent } from '../../events/task-group-events';
import { isEventOf } from '../../events/event';
import type { EventStore, RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import type { ProcessManager, StateSnapshots } from '../process-manager';
import { CalendarGate } from './calendar-gate';
import type { ScheduledTask } from './scheduled-task';
import { schedulerLateness } from './scheduler-metrics';
import { TaskBook, type TaskBookSnapshot } from './task-book';
import { TickTimer } from './tick-timer';
import { tickExecutionId } from './tick-ids';
import { tickCommand, tickContext } from './tick-command';
import { type Downtime, type DowntimeDeps, downtimeOf, recordDowntime } from './downtime';
import { type ExecutionWriter, storeExecutionWriter, TickWriter } from './tick-writer';

const PROJECT_PREFIX = streamPrefix(STREAM_CATEGORIES.project);

/** Per task and per downtime, how many missed ticks become MISSED executions; the rest are one TicksSkipped. */
export const DEFAULT_MISSED_BOUND = 5;
/** Tasks whose downtime is recorded at the same time. */
const DOWNTIME_CONCURRENCY = 256;

export interface SchedulerDeps {
  events: EventStore;
  clock: Clock;
  logger: Logger;
}

export interface SchedulerOptions {
  missedBound?: number;
  /** Replaces the store write (the bench measures the timer structure alone with a no-op). */
  writer?: ExecutionWriter;
  /** Called at each fire with its lateness in ms (the bench keeps exact percentiles). */
  onFire?: (latenessMs: number) => void;
  /** Longest one instant's ticks hold commands back (HOLD_MAX_MS): tests that watch a hold lengthen it, so a stalled machine cannot end it early. */
  commandHoldMs?: number;
}

export class Scheduler implements ProcessManager {
  readonly name = 'scheduler';
  readonly filter: StreamFilter = {
    streamPrefixes: [
      streamPrefix(STREAM_CATEGORIES.task),
      streamPrefix(STREAM_CATEGORIES.taskGroup),
      streamPrefix(STREAM_CATEGORIES.execution),
      // Project defaults (overlap policy), calendars and maintenance windows (calendar-gate.ts).
      PROJECT_PREFIX,
      SCHEDULER_STREAM_PREFIX,
    ],
  };

  private readonly book: TaskBook;
  private readonly calendars = new CalendarGate();
  private readonly timer: TickTimer;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly missedBound: number;
  private readonly writes: TickWriter;
  private readonly downtimeDeps: DowntimeDeps;
  private readonly onFire?: (latenessMs: number) => void;
  private readonly commandHoldMs: number;
  private readonly overlap: OverlapControl;
  private live = false;
  private stopped = false;
  /**
   * Tasks, groups, calendars, project policies and open runs as the events leave them: not the ticks this
   * process fired or counted owed, nor its overlap decisions whose events have not come back. Nothing is
   * armed: going live keys every task and counts its downtime from the restored state.
   */
  readonly snapshots: StateSnapshots = {
    // 2: a task as a tuple (1 saved it as an object).
    version: 2,
    take: () => ({ book: this.book.snapshot(), calendars: this.calendars.snapshot(), overlap: this.overlap.snapshot() }),
    restore: (state) => {
      const saved = state as { book: TaskBookSnapshot; calendars: ReturnType<CalendarGate['snapshot']>; overlap: ReturnType<OverlapControl['snapshot']> };
      this.book.restore(saved.book);
      this.calendars.restore(saved.calendars);
      this.overlap.restore(saved.overlap);
    },
  };
  /** Settles once the downtime found when going live is recorded (at once when there was none). */
  downtimeRecorded: Promise<void> = Promise.resolve();
  /** Counters for tests, the bench and a later /metrics. */
  readonly stats = {
    fired: 0,
    created: 0,
    duplicates: 0,
    failed: 0,
    missedRecorded: 0,
    ticksSkipped: 0,
    catchUps: 0,
    recoveredAsMissed: 0,
    /** Overlap decisions: ticks created SKIPPED or QUEUED, runs replaced, waiting runs released. */
    overlapSkipped: 0,
    overlapQueued: 0,
    replaced: 0,
    released: 0,
  };

  constructor(
    private readonly deps: SchedulerDeps,
    options: SchedulerOptions = {},
  ) {
    this.book = new TaskBook(deps.logger);
    this.commandHoldMs = options.commandHoldMs ?? HOLD_MAX_MS;
    this.timer = new TickTimer(deps.clock, this.book, this.calendars, (task, tick, now) => this.fire(task, tick, now), this.commandHoldMs);
    this.missedBound = options.missedBound ?? DEFAULT_MISSED_BOUND;
    this.writes = new TickWriter(deps, options.writer ?? storeExecutionWriter(deps.events, deps.clock), this.stats);
    this.downtimeDeps = { ...deps, writes: this.writes, stats: this.stats, missedBound: this.missedBound };
    this.onFire = options.onFire;
    this.overlap = new OverlapControl(
      deps,
      {
        taskOf: (taskId) => this.book.task(taskId),
        groupOf: (task) => this.book.gateOf(task),
        membersOf: (groupId) => this.book.membersOf(groupId),
        track: (work) => this.track(work),
      },
      this.stats,
    );
  }

  /** How many tasks are armed in the heap, and how many the scheduler knows. */
  get size(): { armed: number; tasks: number; groups: number } {
    const { tasks, groups } = this.book.size;
    return { armed: this.timer.armed, tasks, groups };
  }

  /** Writes started and not yet finished (ticks, downtime records). */
  get pendingWrites(): number {
    return this.inFlight.size;
  }

  /** The next tick the scheduler will fire for a task (epoch ms), or null when it is not armed. */
  nextTickOf(taskId: string): Date | null {
    const task = this.book.task(taskId);
    return task ? this.timer.nextTickOf(task) : null;
  }

  /** Resolves when every write started so far (ticks, downtime records) has finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  // --- following the events -----------------------------------------------------------------------

  apply(event: RecordedEvent): void {
    if (isEventOf<TaskEvent>(TASK_EVENT_TYPES, event)) this.applyTask(event, event.metadata.eventId);
    else if (isEventOf<TaskGroupEvent>(TASK_GROUP_EVENT_TYPES, event)) this.applyGroup(event as TaskGroupEvent & RecordedEvent);
    else if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) {
      if (event.type === 'ExecutionCreated' && event.data.triggerType === 'SCHEDULED') {
        // CATCH_UP runs are not "accounted for": their tick is recorded as MISSED or skipped as well.
        this.book.accountFor(event.data.taskId, Date.parse(event.data.scheduledAt));
      }
      this.overlap.applyExecution(event, this.live);
    } else if (event.streamId.startsWith(PROJECT_PREFIX)) {
      if (isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)) this.overlap.applyProject(event);
      const projectId = this.calendars.apply(event);
      if (projectId !== null) this.rekeyProject(projectId);
    } else if (event.type === 'TicksSkipped') {
      this.book.applySkipped((event as unknown as TicksSkipped).data, event.revision);
    }
  }

  private applyTask(event: TaskEvent, eventId: string): void {
    const task = this.book.applyTask(event, eventId);
    if (!task) return;
    if (event.type === 'TaskDeleted') {
      this.overlap.forgetTask(task.taskId);
      this.timer.remove(task);
      this.timer.arm();
      return;
    }
    if (event.type === 'TaskUpdated' && this.live) this.overlap.definitionChanged(task.taskId, eventId);
    this.timer.rekey(task);
  }

  private applyGroup(event: TaskGroupEvent & RecordedEvent): void {
    if (!this.book.applyGroup(event)) return;
    const members = this.book.membersOf(event.data.groupId);
    // A group change (status, window, zone, manual start/stop, deletion) takes effect at once.
    for (const task of members) this.timer.rekey(task, false);
    if (this.live && event.type === 'TaskGroupUpdated') this.overlap.groupChanged(members, event.metadata.eventId);
    this.timer.arm();
  }

  /** A calendar or window changed: its project's tasks are re-keyed (rare, so a pass over all tasks). */
  private rekeyProject(projectId: string): void {
    if (!this.live) return;
    for (const task of this.book.all()) if (task.projectId === projectId) this.timer.rekey(task, false);
    this.timer.arm();
  }

  // --- firing -------------------------------------------------------------------------------------

  private fire(task: ScheduledTask, tick: number, now: number): void {
    task.lastTickMs = tick;
    const lateness = now - tick;
    schedulerLateness.observe(lateness / 1000);
    this.onFire?.(lateness);
    this.stats.fired++;
    const scheduledAt = new Date(tick).toISOString();
    const executionId = tickExecutionId(task.taskId, scheduledAt);
    const command = tickCommand(task, executionId, scheduledAt, 'SCHEDULED', now);
    const context = tickContext(task, executionId);
    this.overlap.atFire(task, command, context);
    // Commands (a burst of manual triggers) wait until the instant's ticks are committed, not the other way round.
    this.track(this.writes.writeTick(command, context), holdCommands(this.commandHoldMs));
  }

  private track(work: Promise<unknown>, release?: () => void): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      release?.();
    });
  }

  // --- going live: downtime ----------------------------------------------------------------------

  goLive(): void {
    this.live = true;
    this.timer.goLive();
    const now = this.deps.clock.now().getTime();
    const owed: Downtime[] = [];
    for (const task of this.book.all()) {
      if (!this.book.armable(task)) continue;
      try {
        const downtime = downtimeOf(task, this.book.gateOf(task), this.calendars, this.book.cursorOf(task), now, this.missedBound);
        if (downtime) {
          owed.push(downtime);
          task.lastTickMs = downtime.last.at.getTime();
        }
      } catch (err) {
        // One task's downtime must not keep every other task from being armed.
        this.deps.logger.error({ err, taskId: task.taskId }, 'scheduler: could not count the ticks a task missed while offline');
      }
      this.timer.rekey(task, false, now);
    }
    this.overlap.releaseAllWaiting();
    this.timer.arm();
    if (owed.length > 0) {
      this.deps.logger.info({ tasks: owed.length }, 'scheduler: recording ticks missed while offline');
      this.downtimeRecorded = this.recordDowntimes(owed, now);
      this.track(this.downtimeRecorded);
    }
  }

  private async recordDowntimes(owed: Downtime[], now: number): Promise<void> {
    const correlationId = randomUUID();
    let next = 0;
    const worker = async () => {
      while (next < owed.length && !this.stopped) await recordDowntime(this.downtimeDeps, owed[next++], now, correlationId);
    };
    await Promise.all(Array.from({ length: Math.min(DOWNTIME_CONCURRENCY, owed.length) }, worker));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer.stop();
    this.writes.stop();
    await this.settled();
  }
}
