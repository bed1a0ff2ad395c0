import type { OverlapVerdict } from '../../commands/execution/execution-commands';
import type { ExecutionEvent } from '../../events/execution-events';
import { DEFAULT_MAX_QUEUED, type OverlapPolicy } from '../../events/overlap-policy';

/**
 * The open runs of every task, for the overlap policies and `max_concurrent` (README, "Overlap and
 * concurrency"). Folded from execution events only, so a restart rebuilds it by replay:
 *
 *   ExecutionCreated                      open (any trigger: manual and external runs count too)
 *   ExecutionQueued                       waiting, in creation order
 *   ExecutionReleased                     open
 *   any end (SUCCESS … SKIPPED)           gone
 *
 * "Open" is PENDING or RUNNING: a run that was created and has not ended may still be started by its
 * executor (a PENDING pull run is claimed later, an external one reports when it likes), so it counts.
 *
 * The scheduler records its own decisions here at once (`decide`, `releasable`), before their events
 * come back, so two ticks in a row never both see room for one run; the events then change nothing.
 * Only open and waiting runs are held: a few entries per busy task.
 */
export class OverlapGate {
  private readonly runs = new Map<string, TaskRuns>();
  /**
   * Execution id → its task's runs, for the events that name only the execution's task in passing;
   * open or waiting is which of the two the id is in (no object per run: 100,000 tasks hold many).
   */
  private readonly states = new Map<string, TaskRuns>();

  /** Folds an execution event; answers the task whose runs ended one (room may have come), else null. */
  apply(event: ExecutionEvent): string | null {
    const { executionId, taskId } = event.data;
    switch (event.type) {
      case 'ExecutionCreated':
        if (!this.states.has(executionId)) this.open(taskId, executionId);
        return null;
      case 'ExecutionQueued':
        this.toQueue(taskId, executionId);
        return null;
      case 'ExecutionReleased':
        this.release(executionId);
        return null;
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionCancelled':
      case 'ExecutionTimedOut':
      case 'ExecutionMissed':
      case 'ExecutionSkipped':
        return this.end(executionId) ? taskId : null;
      default:
        return null;
    }
  }

  /** The runs as JSON: each task's open and waiting runs in order, and the order the runs were met in. */
  snapshot(): OverlapGateSnapshot {
    return {
      runs: [...this.runs.values()].map(({ taskId, open, queued }) => [taskId, [...open], [...queued]]),
      met: [...this.states].map(([executionId, runs]) => [executionId, runs.taskId]),
    };
  }

  restore(state: OverlapGateSnapshot): void {
    for (const [taskId, open, queued] of state.runs) this.runs.set(taskId, { taskId, open: new Set(open), queued: [...queued] });
    for (const [executionId, taskId] of state.met) this.states.set(executionId, this.runs.get(taskId)!);
  }

  /** The open runs of a task, oldest first. */
  openRuns(taskId: string): string[] {
    return [...(this.runs.get(taskId)?.open ?? [])];
  }

  openCount(taskId: string): number {
    return this.runs.get(taskId)?.open.size ?? 0;
  }

  queued(taskId: string): readonly string[] {
    return this.runs.get(taskId)?.queued ?? [];
  }

  /** Tasks that have waiting runs. */
  *waitingTasks(): Iterable<string> {
    for (const [taskId, runs] of this.runs) if (runs.queued.length > 0) yield taskId;
  }

  /** Forgets a deleted task's runs (their streams are gone with it). */
  forgetTask(taskId: string): void {
    const runs = this.runs.get(taskId);
    if (!runs) return;
    for (const id of [...runs.open, ...runs.queued]) this.states.delete(id);
    this.runs.delete(taskId);
  }

  /**
   * What a tick of the task does, recorded at once: `run` (with the open runs it replaces), or a
   * verdict to create it SKIPPED or QUEUED. `groupOpen` counts the open runs of the task's group.
   */
  decide(taskId: string, executionId: string, limits: OverlapLimits): TickDecision {
    // Nothing to hold back (the common case): the tick's own ExecutionCreated records the run, so a
    // tick whose write never comes back (the bench's no-op writer) leaves nothing behind here.
    if (limits.policy.mode === 'allow' && limits.taskMaxConcurrent === null && limits.groupMaxConcurrent === null) return RUN;
    const decision = decideTick(this.openRuns(taskId), this.queued(taskId).length, limits);
    if (decision.kind === 'run') {
      for (const id of decision.replaces) this.end(id);
      this.open(taskId, executionId);
    } else if (decision.verdict.action === 'queue') {
      this.toQueue(taskId, executionId);
    }
    return decision;
  }

  /** The task's waiting runs that may start now, oldest first, recorded as open at once. `limits` is asked afresh for each. */
  releasable(taskId: string, limits: () => OverlapLimits): string[] {
    const released: string[] = [];
    const runs = this.runs.get(taskId);
    while (runs && runs.queued.length > 0 && hasRoom(runs.open.size, limits())) {
      const next = runs.queued[0];
      this.release(next);
      released.push(next);
    }
    return released;
  }

  private runsOf(taskId: string): TaskRuns {
    let runs = this.runs.get(taskId);
    if (!runs) this.runs.set(taskId, (runs = { taskId, open: new Set(), queued: [] }));
    return runs;
  }

  private open(taskId: string, executionId: string): void {
    const runs = this.runsOf(taskId);
    runs.open.add(executionId);
    this.states.set(executionId, runs);
  }

  private toQueue(taskId: string, executionId: string): void {
    const known = this.states.get(executionId);
    if (known !== undefined && !known.open.has(executionId)) return;
    const runs = this.runsOf(taskId);
    runs.open.delete(executionId);
    runs.queued.push(executionId);
    this.states.set(executionId, runs);
  }

  private release(executionId: string): void {
    const runs = this.states.get(executionId);
    if (runs === undefined || runs.open.has(executionId)) return;
    runs.queued = runs.queued.filter((id) => id !== executionId);
    runs.open.add(executionId);
  }

  /** True when the execution was open or waiting. */
  private end(executionId: string): boolean {
    const runs = this.states.get(executionId);
    if (runs === undefined) return false;
    this.states.delete(executionId);
    if (!runs.open.delete(executionId)) runs.queued = runs.queued.filter((id) => id !== executionId);
    if (runs.open.size === 0 && runs.queued.length === 0 && this.runs.get(runs.taskId) === runs) this.runs.delete(runs.taskId);
    return true;
  }
}

export interface OverlapGateSnapshot {
  runs: Array<[string, string[], string[]]>;
  met: Array<[string, string]>;
}

interface TaskRuns {
  taskId: string;
  /** Insertion order is creation order (a released run joins last). */
  open: Set<string>;
  queued: string[];
}

/** What applies to one task at one instant: its effective policy and the two limits. */
export interface OverlapLimits {
  policy: OverlapPolicy;
  taskMaxConcurrent: number | null;
  groupMaxConcurrent: number | null;
  /** Open runs of every task of the task's group (0 without a group). */
  groupOpen: number;
}

const RUN: TickDecision = Object.freeze({ kind: 'run', replaces: [] as string[] }) as TickDecision;

export type TickDecision = { kind: 'run'; replaces: string[] } | { kind: 'hold'; verdict: OverlapVerdict };

/**
 * The rules, pure (README, "Overlap and concurrency"):
 * - `allow`: runs, unless the task's `max_concurrent` open runs are reached (SKIPPED);
 * - `forbid`: SKIPPED while any run is open ("previous run still running");
 * - `replace`: runs, cancelling every open run (only if it can run: a full group cancels nothing);
 * - `queue`: QUEUED while a run is open or others wait, SKIPPED once `max_queued` wait ("queue full");
 * - the group's `max_concurrent` (open runs of all its tasks) reached: QUEUED under `queue`, else SKIPPED.
 */
export function decideTick(open: string[], queuedCount: number, limits: OverlapLimits): TickDecision {
  const { policy, taskMaxConcurrent, groupMaxConcurrent } = limits;
  const oldest = open[0] ?? null;
  const hold = (action: 'skip' | 'queue', cause: OverlapVerdict['cause'], blockingExecutionId: string | null, limit: number | null): TickDecision => ({
    kind: 'hold',
    verdict: { action, cause, blockingExecutionId, limit },
  });
  const maxQueued = policy.maxQueued ?? DEFAULT_MAX_QUEUED;
  const queueOr = (cause: OverlapVerdict['cause'], blocking: string | null, limit: number | null): TickDecision =>
    queuedCount >= maxQueued ? hold('skip', 'queue_full', blocking, maxQueued) : hold('queue', cause, blocking, limit);

  switch (policy.mode) {
    case 'forbid':
      if (oldest !== null) return hold('skip', 'previous_run_open', oldest, null);
      break;
    case 'queue':
      if (oldest !== null || queuedCount > 0) return queueOr('previous_run_open', oldest, null);
      break;
    case 'allow':
      if (taskMaxConcurrent !== null && open.length >= taskMaxConcurrent) return hold('skip', 'task_max_concurrent', oldest, taskMaxConcurrent);
      break;
    case 'replace':
      break;
  }
  const replaces = policy.mode === 'replace' ? open : [];
  if (groupMaxConcurrent !== null && limits.groupOpen - replaces.length >= groupMaxConcurrent) {
    return policy.mode === 'queue' ? queueOr('group_max_concurrent', null, groupMaxConcurrent) : hold('skip', 'group_max_concurrent', null, groupMaxConcurrent);
  }
  return { kind: 'run', replaces };
}

/** Whether a waiting run of a task with `open` open runs may start. */
function hasRoom(open: number, limits: OverlapLimits): boolean {
  if (limits.policy.mode !== 'allow' && open > 0) return false;
  if (limits.taskMaxConcurrent !== null && open >= limits.taskMaxConcurrent) return false;
  return limits.groupMaxConcurrent === null || limits.groupOpen < limits.groupMaxConcurrent;
}
