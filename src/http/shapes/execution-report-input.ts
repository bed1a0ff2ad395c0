import { ValidationError } from '../../errors/app-error';
import type { ReportedEndStatus, ReportedStatus } from '../../events/execution-events';
import { quoted } from '../../errors/quoted';

/** One log line as the original API posts it. */
export interface LogLineBody {
  /** Non-empty. */
  message: string;
  /** debug, info, warn or error (any case). */
  level: string;
  /** The client's time for the line: an ISO 8601 instant with Z or an offset. */
  timestamp?: string | null;
}

/** Several lines in one request (at most 1000, 512 KiB of messages). */
export interface LogBatchBody {
  lines: LogLineBody[];
}

/** The original API's status report. */
export interface StatusReportBody {
  status: ReportedStatus;
  /**
   * Kept for FAILED; a repeated report keeps the first error. At most 16,384 characters, like a log line.
   * @maxLength 16384
   */
  error?: string | null;
  /**
   * The attempt this report is for (the dispatch's or claim's `attempt`). A report for an attempt that
   * is over (the task retries) is recorded and does not change the current attempt. Default: the current one.
   * @isInt
   * @minimum 1
   * @maximum 20
   */
  attempt?: number | null;
}

/** The end of a run, with what the executor measured. */
export interface FinishReportBody {
  status: ReportedEndStatus;
  /**
   * At most 16,384 characters, like a log line.
   * @maxLength 16384
   */
  error?: string | null;
  /**
   * A process exit code (a signed 32-bit integer).
   * @isInt
   * @minimum -2147483648
   * @maximum 2147483647
   */
  exit_code?: number | null;
  /**
   * Default: measured from the run's start (or creation) to now. At most 366 days.
   * @isLong
   * @minimum 0
   * @maximum 31622400000
   */
  duration_ms?: number | null;
  /**
   * Numbers the run wants to keep (rows processed, bytes sent, …): at most 50 names of 1 to 64
   * characters (letters, digits, `_`, `.`, `:`, `-`, starting with a letter or `_`) to finite numbers.
   */
  metrics?: Record<string, number> | null;
  /**
   * The attempt this report is for (the dispatch's or claim's `attempt`). A report for an attempt that
   * is over (the task retries) is recorded and does not change the current attempt. Default: the current one.
   * @isInt
   * @minimum 1
   * @maximum 20
   */
  attempt?: number | null;
}

/** Limits of a run's metrics (README, "Limits of what is accepted"). */
export const MAX_METRICS = 50;
export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

/**
 * The metrics of a finish report: a flat map of at most MAX_METRICS names (METRIC_NAME) to finite
 * numbers. Every bad key is named in `details`; null or left out means none.
 */
export function metricsFromBody(metrics: unknown): Record<string, number> | null {
  if (metrics === undefined || metrics === null) return null;
  if (typeof metrics !== 'object' || Array.isArray(metrics)) {
    throw new ValidationError('Invalid metrics', ['metrics: must be an object of names to numbers']);
  }
  const entries = Object.entries(metrics);
  const details: string[] = [];
  if (entries.length > MAX_METRICS) details.push(`metrics: has ${entries.length} names; at most ${MAX_METRICS} are allowed`);
  for (const [name, value] of entries.slice(0, MAX_METRICS + 1)) {
    if (!METRIC_NAME.test(name)) {
      details.push(`metrics[${quoted(name)}]: a name is 1 to 64 letters, digits, _ . : - and starts with a letter or _`);
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      details.push(`metrics.${name}: must be a finite number (got ${typeof value === 'number' ? String(value) : Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`})`);
    }
  }
  if (details.length > 0) throw new ValidationError('Invalid metrics', details);
  return metrics as Record<string, number>;
}
