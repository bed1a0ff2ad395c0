import type { DurationAlerts } from '../../events/task-events';

/** A task's duration and lateness alerts; each threshold null or left out: off. */
export interface DurationAlertsBody {
  /**
   * "Ran longer than X": alerted once a run has been RUNNING this many seconds (while it still runs).
   * @isInt
   * @minimum 1
   * @maximum 2678400
   */
  max_run_seconds?: number | null;
  /**
   * "Slower than k × p95": alerted when a run ends more than this many times slower than the 95th
   * percentile of the task's last `p95_window_runs` successful runs (from the fifth on).
   * @minimum 1
   * @maximum 1000
   */
  slower_than_p95_factor?: number | null;
  /**
   * N, how many of the last successful runs the p95 is taken over. Default 20.
   * @isInt
   * @minimum 5
   * @maximum 1000
   */
  p95_window_runs?: number | null;
  /**
   * "Started more than X after its scheduled time": alerted when the run starts.
   * @isInt
   * @minimum 1
   * @maximum 2678400
   */
  max_start_delay_seconds?: number | null;
}

export const DEFAULT_P95_WINDOW_RUNS = 20;

/** null when every threshold is off (the definition then has no `durationAlerts`). */
export function durationAlertsFromBody(body: DurationAlertsBody | null | undefined): DurationAlerts | null {
  if (!body) return null;
  const alerts: DurationAlerts = {
    maxRunSeconds: body.max_run_seconds ?? null,
    slowerThanP95Factor: body.slower_than_p95_factor ?? null,
    p95WindowRuns: body.p95_window_runs ?? DEFAULT_P95_WINDOW_RUNS,
    maxStartDelaySeconds: body.max_start_delay_seconds ?? null,
  };
  const anyOn = alerts.maxRunSeconds !== null || alerts.slowerThanP95Factor !== null || alerts.maxStartDelaySeconds !== null;
  return anyOn ? alerts : null;
}

export function durationAlertsBody(alerts: DurationAlerts): Required<DurationAlertsBody> {
  return {
    max_run_seconds: alerts.maxRunSeconds,
    slower_than_p95_factor: alerts.slowerThanP95Factor,
    p95_window_runs: alerts.p95WindowRuns,
    max_start_delay_seconds: alerts.maxStartDelaySeconds,
  };
}
