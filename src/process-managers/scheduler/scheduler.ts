/**
 * The scheduler process manager (DESIGN.md, "Process managers").
 *
 * State, rebuilt from `$all` at every start (task-, taskgroup-, execution- and scheduler- streams):
 * every task with its shared compiled schedule, every group (folded and judged exactly as the read
 * side does: evolveTaskGroupDoc + groupRunState), and per task the last tick accounted for (from
 * ExecutionCreated of trigger SCHEDULED and from TicksSkipped).
 *
 * Timing: ONE binary heap of (next tick, task) over every armed task and ONE clock timer armed for its
 * top. When the timer fires, every due task is popped, fired if it may run at that tick, and re-keyed
 * at its next tick. A change to a task or group re-keys the tasks concerned at once.
 *
 * A task fires when it is ACTIVE and its group (if any, and if it still exists: a group deleted a moment
 * ago counts as no group, as on the query side) runs at the tick: ACTIVE and inside its window, or
 * manually started, until the next window boundary. A task is keyed at its next tick at which the
 * group runs (closed windows are skipped boundary by boundary, not tick by tick); one that cannot run
 * before its group changes (a disabled group, a manual stop without a window) leaves the heap until
 * the group's next event re-keys it. A task's calendar and its project's pause windows and snoozes
 * (calendar-gate.ts, from the project streams) hold ticks back the same way, keyed past what they hold.
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
import type { Logger } from '../../logging/logger';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent } from '../../events/execution-events';
import { PROJECT_EVENT_TYPES, type ProjectEvent } from '../../events/project-events';
import { OverlapControl } from './overlap-control';
import { type TicksSkipped, SCHEDULER_STREAM_PREFIX } from '../../events/scheduler-events';
import { STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import { TASK_EVENT_TYPES, type TaskEvent } from '../../events/task-events';
import { TASK_GROUP_EVENT_TYPES, type TaskGroupEvent } from '../../events/task-group-events';
import { isEventOf } from '../../events/event';
import { compileSchedule } from '../../schedules/compile-schedule';
import type { EventStore, RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import type { ProcessManager } from '../process-manager';
import { GroupGate } from './group-gate';
import { CalendarGate } from './calendar-gate';
import { ScheduledTask } from './scheduled-task';
import { schedulerLateness } from './scheduler-metrics';
import { IndexedMinHeap } from '../indexed-min-heap';
import { tickExecutionId } from './tick-ids';
import { tickCommand, tickContext } from './tick-command';
import { type Downtime, type DowntimeDeps, downtimeOf, recordDowntime } from './downtime';
import { type ExecutionWriter, storeExecutionWriter, TickWriter } from './tick-writer';

const PROJECT_PREFIX = streamPrefix(STREAM_CATEGORIES.project);

/** Per task and per downtime, how many missed ticks become MISSED executions; the rest are one TicksSkipped. */
export const DEFAULT_MISSED_BOUND = 5;
/** Due ticks handled per timer callback before yielding to the event loop (a 100k-task `0 * * * *` minute). */
const FIRE_SLICE = 2_000;
/** Tasks whose downtime is recorded at the same time. */
const DOWNTIME_CONCURRENCY = 256;
/** Window boundaries crossed looking for a task's next runnable tick before leaving the rest to fire time. */
const MAX_BOUNDARY_HOPS = 4;

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

  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly groups = new Map<string, GroupGate>();
  private readonly calendars = new CalendarGate();
  /** Tasks by group id (whether or not the group exists), to re-key them when the group changes. */
  private readonly groupTasks = new Map<string, Set<ScheduledTask>>();
  private readonly projectIds = new Map<string, string>();
  private readonly heap = new IndexedMinHeap<ScheduledTask>((task) => task.nextMs);
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly missedBound: number;
  private readonly writes: TickWriter;
  private readonly downtimeDeps: DowntimeDeps;
  private readonly onFire?: (latenessMs: number) => void;
  private readonly overlap: OverlapControl;
  private cancelTimer: (() => void) | null = null;
  private armedAt = Number.NaN;
  private live = false;
  private stopped = false;
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
    this.missedBound = options.missedBound ?? DEFAULT_MISSED_BOUND;
    this.writes = new TickWriter(deps, options.writer ?? storeExecutionWriter(deps.events, deps.clock), this.stats);
    this.downtimeDeps = { ...deps, writes: this.writes, stats: this.stats, missedBound: this.missedBound };
    this.onFire = options.onFire;
    this.overlap = new OverlapControl(
      deps,
      {
        taskOf: (taskId) => this.tasks.get(taskId),
        groupOf: (task) => this.gateOf(task),
        membersOf: (groupId) => this.groupTasks.get(groupId) ?? [],
        track: (work) => this.track(work),
      },
      this.stats,
    );
  }

  /** How many tasks are armed in the heap, and how many the scheduler knows. */
  get size(): { armed: number; tasks: number; groups: number } {
    return { armed: this.heap.size, tasks: this.tasks.size, groups: this.groups.size };
  }

  /** Writes started and not yet finished (ticks, downtime records). */
  get pendingWrites(): number {
    return this.inFlight.size;
  }

  /** The next tick the scheduler will fire for a task (epoch ms), or null when it is not armed. */
  nextTickOf(taskId: string): Date | null {
    const task = this.tasks.get(taskId);
    return task && this.heap.has(task) ? new Date(task.nextMs) : null;
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
        this.accountFor(event.data.taskId, Date.parse(event.data.scheduledAt));
      }
      this.overlap.applyExecution(event, this.live);
    } else if (event.streamId.startsWith(PROJECT_PREFIX)) {
      if (isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)) this.overlap.applyProject(event);
      const projectId = this.calendars.apply(event);
      if (projectId !== null) this.rekeyProject(projectId);
    } else if (event.type === 'TicksSkipped') {
      const data = (event as unknown as TicksSkipped).data;
      const task = this.tasks.get(data.taskId);
      if (task) task.skippedRevision = Math.max(task.skippedRevision, event.revision);
      this.accountFor(data.taskId, Date.parse(data.to));
    }
  }

  private accountFor(taskId: string, tickMs: number): void {
    const task = this.tasks.get(taskId);
    if (task && tickMs > task.lastTickMs) task.lastTickMs = tickMs;
  }

  private applyTask(event: TaskEvent, eventId: string): void {
    if (event.type === 'TaskCreated') {
      const { data } = event;
      const task = new ScheduledTask(data.taskId);
      task.projectId = this.intern(data.projectId);
      task.anchorMs = Date.parse(data.createdAt);
      task.sinceMs = task.anchorMs;
      task.status = data.status;
      task.define(data);
      task.causationId = eventId;
      this.compile(task);
      this.tasks.set(task.taskId, task);
      this.joinGroup(task);
      this.rekey(task);
      return;
    }
    const task = this.tasks.get(event.data.taskId);
    if (!task) return;
    task.causationId = eventId;
    switch (event.type) {
      case 'TaskUpdated': {
        const previousGroup = task.groupId;
        if (task.define(event.data)) {
          this.compile(task);
          task.sinceMs = Date.parse(event.data.updatedAt);
        }
        if (previousGroup !== task.groupId) {
          this.leaveGroup(task, previousGroup);
          this.joinGroup(task);
        }
        if (this.live) this.overlap.definitionChanged(task.taskId, eventId);
        break;
      }
      case 'TaskStatusChanged':
        if (task.status !== 'ACTIVE' && event.data.status === 'ACTIVE') task.sinceMs = Date.parse(event.data.updatedAt);
        task.status = event.data.status;
        break;
      case 'TaskDeletionRequested':
        task.status = 'PENDING_DELETE';
        break;
      case 'TaskDeletionFailed':
        task.status = 'DELETE_FAILED';
        break;
      case 'TaskDeleted':
        this.overlap.forgetTask(task.taskId);
        this.heap.remove(task);
        this.leaveGroup(task, task.groupId);
        this.tasks.delete(task.taskId);
        this.arm();
        return;
    }
    this.rekey(task);
  }

  private applyGroup(event: TaskGroupEvent & RecordedEvent): void {
    const { groupId } = event.data;
    let gate = this.groups.get(groupId);
    if (!gate) {
      if (event.type !== 'TaskGroupCreated') return;
      gate = new GroupGate(groupId);
      this.groups.set(groupId, gate);
    }
    gate.apply(event);
    if (!gate.exists) this.groups.delete(groupId);
    // A group change (status, window, zone, manual start/stop, deletion) takes effect at once.
    for (const task of this.groupTasks.get(groupId) ?? []) this.rekey(task, false);
    if (this.live && event.type === 'TaskGroupUpdated') this.overlap.groupChanged(this.groupTasks.get(groupId) ?? [], event.metadata.eventId);
    this.arm();
  }

  /** A calendar or window changed: its project's tasks are re-keyed (rare, so a pass over all tasks). */
  private rekeyProject(projectId: string): void {
    if (!this.live) return;
    for (const task of this.tasks.values()) if (task.projectId === projectId) this.rekey(task, false);
    this.arm();
  }

  private compile(task: ScheduledTask): void {
    try {
      task.schedule = compileSchedule(task.scheduleType, task.scheduleConfig!, new Date(task.anchorMs));
    } catch (err) {
      task.schedule = null;
      this.deps.logger.warn({ err, taskId: task.taskId }, 'scheduler: the task schedule does not compile; the task will not fire');
    }
  }

  private joinGroup(task: ScheduledTask): void {
    if (task.groupId === null) return;
    let members = this.groupTasks.get(task.groupId);
    if (!members) this.groupTasks.set(task.groupId, (members = new Set()));
    members.add(task);
  }

  private leaveGroup(task: ScheduledTask, groupId: string | null): void {
    if (groupId === null) return;
    const members = this.groupTasks.get(groupId);
    members?.delete(task);
    if (members?.size === 0) this.groupTasks.delete(groupId);
  }

  /** Project ids repeat across tasks: keep one string per project. */
  private intern(projectId: string): string {
    let known = this.projectIds.get(projectId);
    if (known === undefined) this.projectIds.set(projectId, (known = projectId));
    return known;
  }

  /** The task's group, as far as firing goes: undefined for no group or a group that no longer exists. */
  private gateOf(task: ScheduledTask): GroupGate | undefined {
    return task.groupId === null ? undefined : this.groups.get(task.groupId);
  }

  /** Whether the task belongs in the heap at all (its schedule may still be blocked at a given tick). */
  private armable(task: ScheduledTask): boolean {
    if (task.status !== 'ACTIVE' || task.schedule === null) return false;
    const gate = this.gateOf(task);
    return gate === undefined || gate.active;
  }

  /** Where the ticks still owed to a task start: the first owed tick is the first one strictly after this. */
  private cursorOf(task: ScheduledTask): number {
    const gate = this.gateOf(task);
    return Math.max(task.lastTickMs, task.sinceMs - 1, gate ? gate.activeSinceMs - 1 : Number.NEGATIVE_INFINITY);
  }

  /** Puts the task in the heap at its next tick from now on (or takes it out). Only once live. */
  private rekey(task: ScheduledTask, arm = true): void {
    if (!this.live || this.stopped) return;
    const cursor = Math.max(this.deps.clock.now().getTime() - 1, this.cursorOf(task));
    this.place(task, this.armable(task) ? this.nextRunnable(task, cursor) : Number.NaN);
    if (arm) this.arm();
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
    const gate = this.gateOf(task);
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

  // --- the timer --------------------------------------------------------------------------------

  private arm(): void {
    if (!this.live || this.stopped) return;
    const top = this.heap.peek();
    const at = top ? top.nextMs : Number.NaN;
    if (at === this.armedAt) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.armedAt = at;
    if (top) this.cancelTimer = this.deps.clock.setTimer(new Date(at), this.onTimer);
  }

  private readonly onTimer = (): void => {
    this.cancelTimer = null;
    this.armedAt = Number.NaN;
    if (!this.live || this.stopped) return;
    const now = this.deps.clock.now().getTime();
    for (let budget = FIRE_SLICE; budget > 0; budget--) {
      const task = this.heap.peek();
      if (!task || task.nextMs > now) break;
      this.advance(task, now);
    }
    this.arm(); // at once again if due ticks remain after this slice
  };

  /** Handles the due tick at the top of the heap: fire it or not, then re-key the task. */
  private advance(task: ScheduledTask, now: number): void {
    const tick = task.nextMs;
    if (!this.armable(task)) {
      this.place(task, Number.NaN);
      return;
    }
    const gate = this.gateOf(task);
    if ((gate === undefined || gate.runsAt(tick)) && this.calendars.verdict(task, gate, tick).fires) this.fire(task, tick, now);
    this.place(task, this.nextRunnable(task, tick));
  }

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
    this.track(this.writes.writeTick(command, context));
  }


  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  // --- going live: downtime ----------------------------------------------------------------------

  goLive(): void {
    this.live = true;
    const now = this.deps.clock.now().getTime();
    const owed: Downtime[] = [];
    for (const task of this.tasks.values()) {
      if (!this.armable(task)) continue;
      try {
        const downtime = downtimeOf(task, this.gateOf(task), this.calendars, this.cursorOf(task), now, this.missedBound);
        if (downtime) {
          owed.push(downtime);
          task.lastTickMs = downtime.last.at.getTime();
        }
      } catch (err) {
        // One task's downtime must not keep every other task from being armed.
        this.deps.logger.error({ err, taskId: task.taskId }, 'scheduler: could not count the ticks a task missed while offline');
      }
      this.rekey(task, false);
    }
    this.overlap.releaseAllWaiting();
    this.arm();
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
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.writes.stop();
    await this.settled();
  }
}
