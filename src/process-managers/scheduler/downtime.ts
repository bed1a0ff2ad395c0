import type { CommandContext } from '../../commands/command-context';
import { toNewEvent } from '../../commands/handle-command';
import { StreamDeletedError, WrongExpectedRevisionError } from '../../errors/store-errors';
import { MISSED_SCHEDULER_OFFLINE } from '../../events/execution-events';
import { type TicksSkipped, schedulerStream } from '../../events/scheduler-events';
import type { Logger } from '../../logging/logger';
import { type Occurrence, occurrencesBetween } from '../../schedules/next-occurrences';
import type { EventStore } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import type { CalendarGate } from './calendar-gate';
import type { GroupGate } from './group-gate';
import type { ScheduledTask } from './scheduled-task';
import { catchUpExecutionId, tickExecutionId } from './tick-ids';
import { SCHEDULER_ACTOR, tickCommand } from './tick-command';
import type { TickWriter } from './tick-writer';

export const SCHEDULER_OFFLINE_REASON = 'scheduler offline';

/** The ticks a task missed while no scheduler ran: the first few, how many in all, and the newest. */
export interface Downtime {
  task: ScheduledTask;
  first: Occurrence[];
  count: number;
  last: Occurrence;
  catchUp: boolean;
}

export interface DowntimeDeps {
  events: EventStore;
  clock: Clock;
  logger: Logger;
  writes: TickWriter;
  stats: { catchUps: number; missedRecorded: number; ticksSkipped: number };
  /** How many missed ticks become MISSED executions; the rest are one TicksSkipped. */
  missedBound: number;
}

/** The ticks owed to a task in (cursor, now], the ones its group ran at and its rules let fire only; null when none. */
export function downtimeOf(task: ScheduledTask, gate: GroupGate | undefined, calendars: CalendarGate, cursor: number, now: number, missedBound: number): Downtime | null {
  if (!(cursor < now)) return null;
  // Ticks a calendar or a pause window held back were never going to run: they are not owed.
  const ranges = calendars.openRanges(task, gate, gate ? gate.runningRanges(cursor, now) : [[cursor, now]]);
  const first: Occurrence[] = [];
  let count = 0;
  let last: Occurrence | null = null;
  const anchor = new Date(task.anchorMs);
  for (const [from, to] of ranges) {
    // One more than the bound: the first skipped tick is the TicksSkipped's `from`.
    const range = occurrencesBetween(task.scheduleType, task.scheduleConfig!, new Date(from), new Date(to), missedBound + 1 - first.length, anchor);
    first.push(...range.first);
    count += range.count;
    if (range.last) last = range.last;
  }
  if (count === 0 || last === null) return null;
  const catchUp = task.catchUpLatest && (gate === undefined || gate.runsAt(now)) && calendars.verdict(task, gate, now).fires;
  return { task, first, count, last, catchUp };
}

/**
 * Records one task's downtime in order: catch-up, MISSED in tick order, then TicksSkipped, so a crash
 * half way re-counts only what was not yet recorded.
 */
export async function recordDowntime(deps: DowntimeDeps, { task, first, count, last, catchUp }: Downtime, now: number, correlationId: string): Promise<void> {
  const { writes, stats, missedBound } = deps;
  const context: CommandContext = { actor: SCHEDULER_ACTOR, correlationId, causationId: task.causationId };
  if (catchUp) {
    const scheduledAt = last.at.toISOString();
    const outcome = await writes.write(tickCommand(task, catchUpExecutionId(task.taskId, scheduledAt), scheduledAt, 'CATCH_UP', now), context);
    if (outcome === 'created') stats.catchUps++;
  }
  for (const occurrence of first.slice(0, missedBound)) {
    const scheduledAt = occurrence.at.toISOString();
    const command = tickCommand(task, tickExecutionId(task.taskId, scheduledAt), scheduledAt, 'SCHEDULED', now, MISSED_SCHEDULER_OFFLINE);
    const outcome = await writes.write(command, context);
    if (outcome === 'failed' || outcome === 'lost') return; // keep the order: never record a later tick past an unrecorded one
    if (outcome === 'created') stats.missedRecorded++;
  }
  if (count <= missedBound) return;
  const skipped: TicksSkipped = {
    type: 'TicksSkipped',
    data: {
      taskId: task.taskId,
      projectId: task.projectId,
      from: first[missedBound].at.toISOString(),
      to: last.at.toISOString(),
      count: count - missedBound,
      reason: SCHEDULER_OFFLINE_REASON,
      recordedAt: new Date(now).toISOString(),
    },
  };
  try {
    const result = await deps.events.append(
      schedulerStream(task.taskId),
      [toNewEvent(skipped, context, deps.clock)],
      task.skippedRevision < 0 ? 'no_stream' : task.skippedRevision,
    );
    task.skippedRevision = Math.max(task.skippedRevision, result.nextExpectedRevision);
    stats.ticksSkipped += skipped.data.count;
  } catch (err) {
    // Another instance recorded this downtime first (or the task's stream is gone with the task).
    if (err instanceof WrongExpectedRevisionError || err instanceof StreamDeletedError) return;
    deps.logger.error({ err, taskId: task.taskId }, 'scheduler: could not record skipped ticks');
  }
}
