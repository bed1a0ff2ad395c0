import type { DurationBreach } from '../../commands/alerts/alert-commands';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent, type ExecutionStatus } from '../../events/execution-events';
import { isEventOf } from '../../events/event';
import { type DurationAlerts, TASK_EVENT_TYPES, type TaskEvent } from '../../events/task-events';
import type { RecordedEvent } from '../../stores/events/event-store';
import { formatDuration } from '../../time/format-duration';

/** A RUNNING execution of a task with a run-time limit, and when it passes the limit. */
export interface RunDeadline {
  taskId: string;
  projectId: string;
  executionId: string;
  startPosition: number;
  startedAt: string;
  deadline: Date;
  maxRunSeconds: number;
}

/** The slow alert compares with the p95 only once this many successful runs are in the window. */
export const MIN_RUNS_FOR_P95 = 5;

interface OpenExecution {
  taskId: string;
  projectId: string;
  scheduledAt: string;
  startedAt: string | null;
  startPosition: number;
}

/**
 * The facts duration and lateness alerts need, folded from task and execution events in `$all` order
 * (rebuilt by the alerts manager's replay at every start, never by reading history): each task's
 * thresholds, its open executions (scheduled and start times), and for tasks with a slow alert a
 * bounded window of its last N successful durations, so the p95 costs O(N) whatever the history's size.
 */
export class DurationWatch {
  private readonly settings = new Map<string, DurationAlerts>();
  private readonly windows = new Map<string, number[]>();
  private readonly open = new Map<string, OpenExecution>();

  /** The folded facts as JSON (the alerts manager's snapshot). */
  snapshot(): { settings: Array<[string, DurationAlerts]>; windows: Array<[string, number[]]>; open: Array<[string, OpenExecution]> } {
    return { settings: [...this.settings], windows: [...this.windows], open: [...this.open] };
  }

  restore(state: ReturnType<DurationWatch['snapshot']>): void {
    for (const [taskId, settings] of state.settings) this.settings.set(taskId, settings);
    for (const [taskId, window] of state.windows) this.windows.set(taskId, window);
    for (const [executionId, run] of state.open) this.open.set(executionId, run);
  }

  /** Folds one event; returns the thresholds it shows crossed (the decider alerts each once). */
  apply(event: RecordedEvent): DurationBreach[] {
    if (isEventOf<TaskEvent>(TASK_EVENT_TYPES, event)) {
      this.applyTask(event);
      return [];
    }
    if (!isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return [];
    return this.applyExecution(event, event.position);
  }

  /** The run's limit, while it is RUNNING and its task has one. */
  deadlineOf(executionId: string): RunDeadline | null {
    const run = this.open.get(executionId);
    const limit = run && this.settings.get(run.taskId)?.maxRunSeconds;
    if (!run || run.startedAt === null || limit == null) return null;
    const deadline = new Date(Date.parse(run.startedAt) + limit * 1000);
    return { taskId: run.taskId, projectId: run.projectId, executionId, startPosition: run.startPosition, startedAt: run.startedAt, deadline, maxRunSeconds: limit };
  }

  /** Every RUNNING execution with a limit (armed as timers when the manager goes live). */
  deadlines(): RunDeadline[] {
    return [...this.open.keys()].map((id) => this.deadlineOf(id)).filter((d): d is RunDeadline => d !== null);
  }

  /** A run still RUNNING past its limit at `now` (the timer's check). */
  overrun(executionId: string, now: Date): DurationBreach | null {
    const run = this.deadlineOf(executionId);
    if (!run || now < run.deadline) return null;
    const ranMs = now.getTime() - Date.parse(run.startedAt);
    const limit = formatDuration(run.maxRunSeconds * 1000);
    // The timer fires at the limit; later (a restart, a busy process) says how much later.
    const detail = ranMs - run.maxRunSeconds * 1000 < 1000 ? `still running at its limit of ${limit}` : `still running after ${formatDuration(ranMs)}; the limit is ${limit}`;
    return {
      kind: 'long_running',
      taskId: run.taskId,
      projectId: run.projectId,
      executionId,
      sourcePosition: run.startPosition,
      status: 'RUNNING',
      measuredAt: now.toISOString(),
      detail,
    };
  }

  private applyTask(event: TaskEvent): void {
    const { taskId } = event.data;
    if (event.type === 'TaskCreated' || event.type === 'TaskUpdated') {
      const settings = event.data.durationAlerts;
      if (settings) this.settings.set(taskId, settings);
      else this.settings.delete(taskId);
      if (settings?.slowerThanP95Factor == null) this.windows.delete(taskId);
      else this.trim(taskId, settings.p95WindowRuns);
    } else if (event.type === 'TaskDeleted') {
      this.settings.delete(taskId);
      this.windows.delete(taskId);
      for (const [id, run] of this.open) if (run.taskId === taskId) this.open.delete(id);
    }
  }

  private applyExecution(event: ExecutionEvent, position: number): DurationBreach[] {
    const { taskId, projectId, executionId } = event.data;
    switch (event.type) {
      case 'ExecutionCreated':
        this.open.set(executionId, { taskId, projectId, scheduledAt: event.data.scheduledAt, startedAt: null, startPosition: position });
        return [];
      case 'ExecutionStarted': {
        const run = this.open.get(executionId);
        if (!run || run.startedAt !== null) return [];
        run.startedAt = event.data.at;
        run.startPosition = position;
        const limit = this.settings.get(taskId)?.maxStartDelaySeconds;
        const delayMs = Date.parse(event.data.at) - Date.parse(run.scheduledAt);
        if (limit == null || delayMs <= limit * 1000) return [];
        const detail = `started ${formatDuration(delayMs)} after its scheduled time (${run.scheduledAt}); the limit is ${formatDuration(limit * 1000)}`;
        return [{ kind: 'late_start', taskId, projectId, executionId, sourcePosition: position, status: 'RUNNING', measuredAt: event.data.at, detail }];
      }
      case 'ExecutionSucceeded':
      case 'ExecutionFailed': {
        if (!this.open.delete(executionId)) return [];
        const status = event.type === 'ExecutionSucceeded' ? 'SUCCESS' : 'FAILED';
        const breaches = this.endBreaches(taskId, projectId, executionId, position, status, event.data.at, event.data.durationMs);
        if (status === 'SUCCESS') this.remember(taskId, event.data.durationMs);
        return breaches;
      }
      case 'ExecutionCancelled':
      case 'ExecutionTimedOut':
      case 'ExecutionMissed':
      case 'ExecutionSkipped':
        this.open.delete(executionId);
        return [];
      default:
        return [];
    }
  }

  /** At the end: past the run-time limit (if the timer did not already see it), and slower than k × p95. */
  private endBreaches(taskId: string, projectId: string, executionId: string, position: number, status: ExecutionStatus, at: string, ranMs: number): DurationBreach[] {
    const settings = this.settings.get(taskId);
    if (!settings) return [];
    const base = { taskId, projectId, executionId, sourcePosition: position, status, measuredAt: at };
    const breaches: DurationBreach[] = [];
    const { maxRunSeconds, slowerThanP95Factor: factor } = settings;
    if (maxRunSeconds !== null && ranMs > maxRunSeconds * 1000) {
      breaches.push({ ...base, kind: 'long_running', detail: `ran ${formatDuration(ranMs)}; the limit is ${formatDuration(maxRunSeconds * 1000)}` });
    }
    const window = this.windows.get(taskId) ?? [];
    if (factor !== null && window.length >= MIN_RUNS_FOR_P95) {
      const p95 = percentile95(window);
      if (ranMs > factor * p95) {
        const detail = `ran ${formatDuration(ranMs)}, more than ${factor} × the p95 of its last ${window.length} successful runs (${formatDuration(p95)})`;
        breaches.push({ ...base, kind: 'slow', detail });
      }
    }
    return breaches;
  }

  private remember(taskId: string, ranMs: number): void {
    const settings = this.settings.get(taskId);
    if (settings?.slowerThanP95Factor == null) return;
    const window = this.windows.get(taskId) ?? [];
    window.push(ranMs);
    this.windows.set(taskId, window);
    this.trim(taskId, settings.p95WindowRuns);
  }

  private trim(taskId: string, size: number): void {
    const window = this.windows.get(taskId);
    if (window && window.length > size) window.splice(0, window.length - size);
  }
}

/** Nearest-rank 95th percentile. */
export function percentile95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]!;
}
