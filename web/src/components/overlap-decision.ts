import type { AuditEntry } from '../api/client';

/**
 * The reason an overlap decision recorded (README, "Overlap and concurrency"), as the run's history
 * shows it next to the event: the same sentence the server gives a SKIPPED run as its error.
 */
export function overlapDecisionText(entry: AuditEntry): string | null {
  const data = (entry.data ?? {}) as Record<string, unknown>;
  const blocking = typeof data.blockingExecutionId === 'string' ? ` (execution ${data.blockingExecutionId})` : '';
  switch (entry.type) {
    case 'ExecutionSkipped':
    case 'ExecutionQueued':
      switch (data.cause) {
        case 'previous_run_open':
          return `previous run still running${blocking}`;
        case 'queue_full':
          return `queue full (max_queued ${String(data.limit)})`;
        case 'task_max_concurrent':
          return `task max_concurrent ${String(data.limit)} reached${blocking}`;
        case 'group_max_concurrent':
          return `group max_concurrent ${String(data.limit)} reached${blocking}`;
        default:
          return null;
      }
    case 'ExecutionReleased':
      return typeof data.after === 'string' ? `started after execution ${data.after} ended` : 'started: room came free';
    case 'ExecutionCancelled':
      return typeof data.reason === 'string' ? data.reason : null;
    default:
      return null;
  }
}
