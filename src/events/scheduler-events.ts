import { type DomainEventOf, eventTypeNames } from './event';

/**
 * Events the scheduler writes besides executions. They live in the scheduler's own stream per task,
 * `scheduler-<taskId>` (category `scheduler`), so they never conflict with edits of the task itself.
 */

/**
 * Ticks of a task that fell while the scheduler was not running and were not recorded one by one
 * (only the first few are, as MISSED executions with reason "scheduler offline"). `from` and `to` are
 * the first and last skipped tick instants (ISO), both included; `count` how many ticks that is.
 * Appended with the stream's expected revision, so two instances (or a restart) cannot record the
 * same downtime twice; the scheduler reads it back on replay as "ticks up to `to` are accounted for".
 */
export type TicksSkipped = DomainEventOf<
  'TicksSkipped',
  { taskId: string; projectId: string; from: string; to: string; count: number; reason: string; recordedAt: string }
>;

export type SchedulerEvent = TicksSkipped;

export const SCHEDULER_EVENT_TYPES = eventTypeNames<SchedulerEvent>({
  TicksSkipped: true,
});

/** The category prefix of the scheduler's streams (`scheduler-`, to filter `$all` by). */
export const SCHEDULER_STREAM_PREFIX = 'scheduler-';

/** The scheduler's stream for one task. */
export const schedulerStream = (taskId: string): string => `${SCHEDULER_STREAM_PREFIX}${taskId}`;
