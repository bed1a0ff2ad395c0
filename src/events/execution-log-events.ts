import { type DomainEventOf, eventTypeNames } from './event';
import type { ExecutionRef } from './execution-events';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface LogLine {
  message: string;
  level: LogLevel;
  /** The client's own time for the line, if it sent one (not trusted for ordering). */
  timestamp: string | null;
  /** When the server received the batch; lines are ordered by stream position, then by index. */
  receivedAt: string;
}

/**
 * One batch of log lines, on `executionlog-<id>` (appended with revision `any`, so logs never conflict
 * with status changes; deciders never read this stream).
 */
export type ExecutionLogsAppended = DomainEventOf<'ExecutionLogsAppended', ExecutionRef & { lines: LogLine[] }>;

export type ExecutionLogEvent = ExecutionLogsAppended;

export const EXECUTION_LOG_EVENT_TYPES = eventTypeNames<ExecutionLogEvent>({ ExecutionLogsAppended: true });
