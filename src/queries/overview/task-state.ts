import type { ExecutionStatus } from '../../events/execution-events';
import type { TaskDoc } from '../../projections/task-read-model';

/** What a task's status dot says, worst first. */
export const TASK_STATES = ['failing', 'late', 'missed', 'running', 'ok', 'never_run', 'paused'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** A pending run counts as late once its start deadline (or this, without one) has passed. */
const DEFAULT_LATE_AFTER_MS = 5 * 60_000;

const FAILING: readonly ExecutionStatus[] = ['FAILED', 'TIMED_OUT'];
const UNDER_WAY: readonly ExecutionStatus[] = ['RUNNING', 'RETRYING'];
const WAITING: readonly ExecutionStatus[] = ['PENDING', 'QUEUED'];

/**
 * A task's state from its read model alone (its status and newest execution), so every task of a
 * project can be filtered and ordered by it without reading anything else: not active → paused; no
 * execution yet → never run; the newest one failed or timed out → failing; missed → missed; pending
 * past its start deadline → late; under way → running; otherwise ok.
 */
export function taskStateOf(task: TaskDoc, nowMs: number): TaskState {
  if (task.status !== 'ACTIVE') return 'paused';
  const last = task.lastExecution;
  if (!last) return 'never_run';
  if (FAILING.includes(last.status)) return 'failing';
  if (last.status === 'MISSED') return 'missed';
  if (WAITING.includes(last.status)) {
    const lateAfter = task.startDeadlineSeconds === null ? DEFAULT_LATE_AFTER_MS : task.startDeadlineSeconds * 1000;
    return Date.parse(last.scheduledAt) + lateAfter < nowMs ? 'late' : 'running';
  }
  if (UNDER_WAY.includes(last.status)) return 'running';
  return 'ok';
}

export function stateRank(state: TaskState): number {
  return TASK_STATES.indexOf(state);
}
