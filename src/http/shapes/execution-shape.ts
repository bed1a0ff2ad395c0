import type { ExecutionStatus, TriggerType } from '../../events/execution-events';
import type { LogLevel } from '../../events/execution-log-events';
import type { ExecutionMode } from '../../events/task-events';
import type { ExecutionDoc } from '../../projections/execution-read-model';
import type { NumberedLogLine } from '../../projections/log-read-model';
import type { RetryOutcome } from '../../events/retry-policy';

/** One attempt of an execution (retries): the earlier ones failed, the last is the current one. */
export interface AttemptResponse {
  attempt: number;
  /** How a failed attempt ended; the current attempt's status for the last one. */
  outcome: RetryOutcome | ExecutionStatus;
  /** When the attempt began (creation, or its retry). */
  started_at: string;
  run_started_at: string | null;
  ended_at: string | null;
  exit_code: number | null;
  duration_ms: number | null;
  error: string | null;
}

/** One log line; `timestamp` is the client's time for it when it sent one, else when it was received. */
export interface LogLineResponse {
  /** The line's number in its execution, from 0, in the order received. */
  seq: number;
  message: string;
  level: LogLevel;
  timestamp: string;
  received_at: string;
  /** The attempt of the execution it was received during (retries); 1 for the first. */
  attempt: number;
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
  /** The current attempt (1 for the first). */
  attempt: number;
  /** Attempts the task's retry policy allows (1: no retries). */
  max_attempts: number;
  /** While RETRYING: when the next attempt begins; else null. */
  next_attempt_at: string | null;
  /** Every attempt so far, oldest first, the current one last. */
  attempts: AttemptResponse[];
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
    max_attempts: execution.maxAttempts ?? 1,
    next_attempt_at: execution.nextAttemptAt ?? null,
    attempts: attemptsOf(execution),
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

function attemptsOf(execution: ExecutionDoc): AttemptResponse[] {
  const previous: AttemptResponse[] = (execution.previousAttempts ?? []).map((a) => ({
    attempt: a.attempt,
    outcome: a.outcome,
    started_at: a.startedAt,
    run_started_at: a.runStartedAt,
    ended_at: a.endedAt,
    exit_code: a.exitCode,
    duration_ms: a.durationMs,
    error: a.error,
  }));
  // While RETRYING the failed attempt is the last one listed; the next has not begun.
  if (execution.status === 'RETRYING') return previous;
  const current: AttemptResponse = {
    attempt: execution.attempt,
    outcome: execution.status,
    started_at: execution.attemptStartedAt ?? execution.createdAt,
    run_started_at: execution.runStartedAt,
    ended_at: execution.endedAt,
    exit_code: execution.exitCode,
    duration_ms: execution.durationMs,
    error: execution.error,
  };
  return [...previous, current];
}

export function toLogLineResponse(line: NumberedLogLine): LogLineResponse {
  return { seq: line.seq, message: line.message, level: line.level, timestamp: line.timestamp ?? line.receivedAt, received_at: line.receivedAt, attempt: line.attempt };
}
