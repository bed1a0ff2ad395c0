import type { Execution } from './execution-state';

/**
 * The run's duration when the executor did not report one: from the run's start (RUNNING) when there
 * was one, else from the execution's creation. The original's executors never send RUNNING and run the
 * job inside the dispatch request, so creation is then the closest known start (it includes the
 * dispatch latency). Never negative, in case server clocks disagree.
 */
export function measuredDurationMs(execution: Pick<Execution, 'runStartedAt' | 'createdAt'>, endedAt: string): number {
  const startedAt = execution.runStartedAt ?? execution.createdAt;
  return Math.max(0, Date.parse(endedAt) - Date.parse(startedAt));
}
