import type { TaskGroupEvent } from '../../events/task-group-events';
import { type TaskGroupDoc, evolveTaskGroupDoc } from '../../projections/task-group-read-model';
import { groupRunState } from '../../queries/group-run-state';
import { compileSchedule } from '../../schedules/compile-schedule';
import type { CompiledSchedule } from '../../schedules/compiled-schedule';
import { rangesWhere } from './running-ranges';

/** The window's start and end as daily schedules in the group's zone (none without a window). */
function boundariesOf(doc: TaskGroupDoc): CompiledSchedule[] {
  if (doc.startTime === null || doc.endTime === null) return [];
  return [doc.startTime, doc.endTime].map((time) => {
    const [hours, minutes] = time.split(':').map(Number);
    return compileSchedule('RECURRING', { cron_expression: `${minutes} ${hours} * * *`, timezone: doc.timezone });
  });
}

/**
 * What the scheduler knows of one task group: its document, folded with the read model's own
 * `evolveTaskGroupDoc`, and whether it runs at an instant, answered by the query side's
 * `groupRunState` (window in the group's zone, midnight crossing, manual start/stop until the next
 * window boundary), so "the group runs" means the same thing in the dashboard and in the scheduler.
 *
 * The only thing added here is where the boundaries are, so a task blocked by a closed window is
 * re-armed at the next boundary instead of being woken at every tick: a boundary is the window's
 * start or end as a daily time in the group's zone, exactly as group-run-state.ts counts them.
 */
export class GroupGate {
  doc: TaskGroupDoc | null = null;
  /** Since when the group has been ACTIVE (creation, or the update that re-enabled it); ticks before it are not owed. */
  activeSinceMs = Number.NEGATIVE_INFINITY;
  private boundaries: CompiledSchedule[] = [];

  constructor(readonly groupId: string) {}

  apply(event: TaskGroupEvent): void {
    const before = this.doc;
    this.doc = evolveTaskGroupDoc(this.doc, event);
    const doc = this.doc;
    if (!doc) {
      this.boundaries = [];
      return;
    }
    if (event.type === 'TaskGroupCreated') this.activeSinceMs = Date.parse(event.data.createdAt);
    if (event.type === 'TaskGroupUpdated' && before?.status !== 'ACTIVE' && doc.status === 'ACTIVE') {
      this.activeSinceMs = Date.parse(event.data.updatedAt);
    }
    if (before?.startTime !== doc.startTime || before?.endTime !== doc.endTime || before?.timezone !== doc.timezone) this.boundaries = boundariesOf(doc);
  }

  /** A group as a snapshot saved it (its document and since when it is active): the boundaries are compiled again. */
  static restored(groupId: string, doc: TaskGroupDoc, activeSinceMs: number): GroupGate {
    const gate = new GroupGate(groupId);
    gate.doc = doc;
    gate.activeSinceMs = activeSinceMs;
    gate.boundaries = boundariesOf(doc);
    return gate;
  }

  get exists(): boolean {
    return this.doc !== null;
  }

  get active(): boolean {
    return this.doc?.status === 'ACTIVE';
  }

  get hasWindow(): boolean {
    return this.boundaries.length > 0;
  }

  /** Does the group run its tasks' ticks at this instant? */
  runsAt(ms: number): boolean {
    return this.doc !== null && groupRunState(this.doc, new Date(ms)) === 'RUNNING';
  }

  /** The first window boundary strictly after `ms`; NaN without a window. */
  nextBoundaryAfter(ms: number): number {
    let next = Number.NaN;
    for (const boundary of this.boundaries) {
      const at = boundary.nextMs(ms);
      if (!(at >= next)) next = at; // also replaces NaN
    }
    return next;
  }

  /**
   * The sub-ranges of (fromMs, toMs] in which the group runs, as (a, b] ranges in the sense of
   * occurrencesBetween. The run state only changes at a window boundary (or at a manual start/stop,
   * which the scheduler does not need to look back across: those happen live), so the range is cut at
   * each boundary and each piece takes the state at its start.
   */
  runningRanges(fromMs: number, toMs: number): Array<[number, number]> {
    return rangesWhere(fromMs, toMs, (ms) => this.nextBoundaryAfter(ms), (ms) => this.runsAt(ms));
  }
}
