import type { ReportedEndStatus, ReportedStatus } from '../../events/execution-events';

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
  /** Kept for FAILED; a repeated report keeps the first error. */
  error?: string | null;
}

/** The end of a run, with what the executor measured. */
export interface FinishReportBody {
  status: ReportedEndStatus;
  error?: string | null;
  /** @isInt */
  exit_code?: number | null;
  /**
   * Default: measured from the run's start (or creation) to now.
   * @isInt
   * @minimum 0
   */
  duration_ms?: number | null;
  /** Free-form numbers or labels the run wants to keep (rows processed, bytes sent, …). */
  metrics?: Record<string, unknown> | null;
}
