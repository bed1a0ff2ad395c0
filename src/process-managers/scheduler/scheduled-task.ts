import type { ExecutionMode, ScheduleConfig, ScheduleType, TaskDefinition, TaskStatus } from '../../events/task-events';
import type { CalendarUse } from '../../events/schedule-rule-events';
import type { CompiledSchedule } from '../../schedules/compiled-schedule';
import type { HeapSlot } from '../indexed-min-heap';
import type { OverlapPolicy } from '../../events/overlap-policy';
import type { RetryPolicy } from '../../events/retry-policy';

export type ScheduledTaskState = [
  taskId: string,
  projectId: string,
  groupId: string | null,
  name: string,
  scheduleType: ScheduleType,
  scheduleConfig: ScheduleConfig | null,
  anchorMs: number,
  executionMode: ExecutionMode,
  timeoutSeconds: number | null,
  startDeadlineSeconds: number | null,
  retry: RetryPolicy | null,
  status: TaskStatus,
  overlap: OverlapPolicy | null,
  maxConcurrent: number | null,
  calendar: CalendarUse | null,
  causationId: string,
  accountedMs: number | null,
  sinceMs: number | null,
  skippedRevision: number,
];

function finiteOrNull(ms: number): number | null {
  return Number.isFinite(ms) ? ms : null;
}

/**
 * One task as the scheduler holds it: what a tick needs to create its execution, the shared compiled
 * schedule (compileSchedule hands every task with the same cron, zone and filters the same object),
 * and where the task stands. No timer, no parser, no closure per task: about half a kilobyte.
 */
export class ScheduledTask implements HeapSlot {
  /** The next tick to fire (epoch ms); NaN when not armed. */
  nextMs = Number.NaN;
  heapIndex = -1;
  /**
   * The last tick accounted for (epoch ms): fired (an ExecutionCreated of trigger SCHEDULED), recorded
   * as MISSED, or inside a TicksSkipped. Downtime is counted from here.
   */
  lastTickMs = Number.NEGATIVE_INFINITY;
  /** The last tick the events account for: `lastTickMs` less what this process fired or counted owed since (a snapshot's). */
  accountedMs = Number.NEGATIVE_INFINITY;
  /** Ticks before this instant are not owed: when the task was created, re-enabled or re-scheduled. */
  sinceMs = Number.NEGATIVE_INFINITY;
  /** Revision of the task's `scheduler-<taskId>` stream (-1: none yet), the expected revision of the next TicksSkipped. */
  skippedRevision = -1;

  projectId = '';
  groupId: string | null = null;
  name = '';
  scheduleType: ScheduleType = 'RECURRING';
  scheduleConfig: ScheduleConfig | null = null;
  /** The task's creation: the anchor of interval schedules. */
  anchorMs = 0;
  /** null when the config does not compile (it was valid when stored; a later engine may disagree). */
  schedule: CompiledSchedule | null = null;
  catchUpLatest = false;
  executionMode: ExecutionMode = 'push';
  timeoutSeconds: number | null = null;
  startDeadlineSeconds: number | null = null;
  /** Copied onto each execution its ticks create. */
  retry: RetryPolicy | null = null;
  status: TaskStatus = 'ACTIVE';
  /** The task's own overlap policy (undefined: its group's, then its project's) and open-run limit. */
  overlap: OverlapPolicy | undefined = undefined;
  maxConcurrent: number | null = null;
  /** The task's own calendar use (its group's applies when null). */
  calendar: CalendarUse | null = null;
  /** The event id of the task's last event: the causation of the executions its ticks create. */
  causationId = '';

  constructor(readonly taskId: string) {}

  /**
   * The task as a snapshot keeps it: what the events made of it (the last tick they account for, not
   * one this process fired since), without its compiled schedule or place in the heap. A tuple, not an
   * object: 100,000 tasks are saved and read back in a fraction of the time. JSON has no infinity: an
   * instant never set is null.
   */
  toState(): ScheduledTaskState {
    return [
      this.taskId, this.projectId, this.groupId, this.name, this.scheduleType, this.scheduleConfig, this.anchorMs, this.executionMode,
      this.timeoutSeconds, this.startDeadlineSeconds, this.retry, this.status, this.overlap ?? null, this.maxConcurrent, this.calendar,
      this.causationId, finiteOrNull(this.accountedMs), finiteOrNull(this.sinceMs), this.skippedRevision,
    ];
  }

  /** A task from `toState()`, not yet compiled nor armed. */
  static fromState(state: ScheduledTaskState): ScheduledTask {
    const [taskId, projectId, groupId, name, scheduleType, scheduleConfig, anchorMs, executionMode, timeoutSeconds, startDeadlineSeconds, retry, status] = state;
    const [, , , , , , , , , , , , overlap, maxConcurrent, calendar, causationId, accountedMs, sinceMs, skippedRevision] = state;
    const task = new ScheduledTask(taskId);
    task.projectId = projectId;
    task.groupId = groupId;
    task.name = name;
    task.scheduleType = scheduleType;
    task.scheduleConfig = scheduleConfig;
    task.catchUpLatest = scheduleConfig?.catch_up === 'latest';
    task.anchorMs = anchorMs;
    task.executionMode = executionMode;
    task.timeoutSeconds = timeoutSeconds;
    task.startDeadlineSeconds = startDeadlineSeconds;
    task.retry = retry;
    task.status = status;
    task.overlap = overlap ?? undefined;
    task.maxConcurrent = maxConcurrent;
    task.calendar = calendar;
    task.causationId = causationId;
    task.accountedMs = task.lastTickMs = accountedMs ?? Number.NEGATIVE_INFINITY;
    task.sinceMs = sinceMs ?? Number.NEGATIVE_INFINITY;
    task.skippedRevision = skippedRevision;
    return task;
  }

  /** Takes a definition (TaskCreated, TaskUpdated); answers whether the schedule itself changed. */
  define(definition: TaskDefinition): boolean {
    this.groupId = definition.taskGroupId;
    this.name = definition.name;
    this.executionMode = definition.executionMode;
    this.timeoutSeconds = definition.timeoutSeconds;
    this.startDeadlineSeconds = definition.startDeadlineSeconds;
    this.overlap = definition.overlap;
    this.maxConcurrent = definition.maxConcurrent ?? null;
    this.calendar = definition.calendar ?? null;
    this.retry = definition.retry ?? null;
    const changed =
      this.scheduleConfig === null ||
      this.scheduleType !== definition.scheduleType ||
      JSON.stringify(this.scheduleConfig) !== JSON.stringify(definition.scheduleConfig);
    this.scheduleType = definition.scheduleType;
    this.scheduleConfig = definition.scheduleConfig;
    this.catchUpLatest = definition.scheduleConfig?.catch_up === 'latest';
    return changed;
  }
}
