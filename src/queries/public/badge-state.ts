import type { TaskDoc } from '../../projections/task-read-model';

/**
 * What a badge and the status page say of a task, as uptime monitors say it (Healthchecks, Cronitor):
 * - `up`: its newest run succeeded, is running, or is not due yet;
 * - `late`: its newest run was due more than LATE_AFTER_MS ago and has not started;
 * - `down`: its newest run failed, timed out or was missed;
 * - `paused`: the task is disabled (or being deleted);
 * - `new`: it has never run.
 * Only the tasks read model's newest-execution summary is read, so the state is that of the newest run:
 * when the next run is created, a failure before it stops showing until that run ends.
 */
export type BadgeState = 'up' | 'late' | 'down' | 'paused' | 'new';

/** A run still PENDING this long after its scheduled time is late (dispatch and claims take seconds). */
export const LATE_AFTER_MS = 60_000;

/** Shields named colours. */
export const BADGE_COLORS: Readonly<Record<BadgeState, string>> = {
  up: 'brightgreen',
  late: 'orange',
  down: 'red',
  paused: 'lightgrey',
  new: 'lightgrey',
};

export function taskBadgeState(task: TaskDoc, nowMs: number): BadgeState {
  if (task.status !== 'ACTIVE') return 'paused';
  const last = task.lastExecution;
  if (!last) return 'new';
  switch (last.status) {
    case 'FAILED':
    case 'TIMED_OUT':
    case 'MISSED':
    case 'SKIPPED': // alerted like a failure (README, "Overlap and concurrency")
      return 'down';
    case 'PENDING':
      return Date.parse(last.scheduledAt) + LATE_AFTER_MS < nowMs ? 'late' : 'up';
    default:
      return 'up';
  }
}

/** Worst first: a group of tasks is as bad as its worst active task. */
const SEVERITY: readonly BadgeState[] = ['down', 'late', 'up', 'new', 'paused'];

/** The state of several tasks together (a project, a tag); `new` when there are none. */
export function combinedState(states: BadgeState[]): BadgeState {
  return SEVERITY.find((state) => states.includes(state)) ?? 'new';
}
