import type { ExecutionStatus, TriggerType } from '../../events/execution-events';
import type { LogLevel } from '../../events/execution-log-events';
import type { ExecutionMode } from '../../events/task-events';
import type { ExecutionDoc } from '../../projections/execution-read-model';
import type { NumberedLogLine } from '../../projections/log-read-model';

/** One log line; `timestamp` is the client's time for it when it sent one, else when it was received. */
export interface LogLineResponse {
  /** The line's number in its execution, from 0, in the order received. */
  seq: number;
  message: string;
  level: LogLevel;
  timestamp: string;
  received_at: string;
}

/**
 * An execution as the original API shows it (`id` and `uuid` are the same UUID, `started_at` is the
 * creation time), with the added fields beside.
 */
export interface ExecutionResponse {
  id: string;
  uuid: string;
  task_id: string;
  task_uuid: string;
  project_id: string;
  task_name: string;
  status: ExecutionStatus;
  /** Creation time (the original meaning). */
  started_at: string;
  scheduled_at: string;
  trigger_type: TriggerType;
  attempt: number;
  execution_mode: ExecutionMode;
  /** When the executor reported RUNNING (or claimed it); null if it never did. */
  run_started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  error: string | null;
  metrics: Record<string, unknown> | null;
  logs_count: number;
  /** The last log lines (history pages embed at most 100); absent where logs are not embedded. */
  logs?: LogLineResponse[];
  /** True when `logs` holds only the last lines of a longer log. */
  logs_truncated?: boolean;
  created_at: string;
  updated_at: string;
}

/** The one mapping from the history read model to the API; `logTail` embeds the last log lines. */
export function toExecutionResponse(execution: ExecutionDoc, logTail?: NumberedLogLine[]): ExecutionResponse {
  const response: ExecutionResponse = {
    id: execution.id,
    uuid: execution.id,
    task_id: execution.taskId,
    task_uuid: execution.taskId,
    project_id: execution.projectId,
    task_name: execution.taskName,
    status: execution.status,
    started_at: execution.createdAt,
    scheduled_at: execution.scheduledAt,
    trigger_type: execution.triggerType,
    attempt: execution.attempt,
    execution_mode: execution.executionMode,
    run_started_at: execution.runStartedAt,
    ended_at: execution.endedAt,
    duration_ms: execution.durationMs,
    exit_code: execution.exitCode,
    error: execution.error,
    metrics: execution.metrics,
    logs_count: execution.logsCount,
    created_at: execution.createdAt,
    updated_at: execution.updatedAt,
  };
  if (logTail) {
    response.logs = logTail.map(toLogLineResponse);
    response.logs_truncated = execution.logsCount > logTail.length;
  }
  return response;
}

export function toLogLineResponse(line: NumberedLogLine): LogLineResponse {
  return { seq: line.seq, message: line.message, level: line.level, timestamp: line.timestamp ?? line.receivedAt, received_at: line.receivedAt };
}
