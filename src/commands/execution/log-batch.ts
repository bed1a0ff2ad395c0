import { TooLargeError, ValidationError } from '../../errors/app-error';
import type { ExecutionRef } from '../../events/execution-events';
import { type ExecutionLogsAppended, LOG_LEVELS, type LogLevel, type LogLine } from '../../events/execution-log-events';
import { parseIsoInstant } from '../../time/iso-instant';
import { quoted } from '../../errors/quoted';

/** A line as a client sends it; everything is checked, nothing trusted. */
export interface LogLineInput {
  message?: unknown;
  level?: unknown;
  timestamp?: unknown;
}

/** A request body: one line (the original API) or a batch `{lines: [...]}`. */
export type LogBatchInput = LogLineInput | { lines?: unknown };

export interface LogLimits {
  maxLinesPerRequest: number;
  /** In characters. */
  maxLineLength: number;
  /** UTF-8 size of all lines together; keeps the event well under the store's event size limit. */
  maxBatchBytes: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = {
  maxLinesPerRequest: 1000,
  maxLineLength: 16 * 1024,
  maxBatchBytes: 512 * 1024,
};

/** Too-long lines named in one error message, at most. */
const NAMED_IN_MESSAGE = 3;

/**
 * Checks one request's log lines and stamps them with the server's receipt time. Malformed lines are
 * 400 with one detail per problem (every problem at once, so the caller fixes them in one go); a
 * request that is too big is 413 and names what to shrink. All or nothing: a batch is one event.
 * Levels are accepted in any case (`INFO`), stored lowercase.
 */
export function buildLogBatch(input: LogBatchInput, receivedAt: string, limits: LogLimits = DEFAULT_LOG_LIMITS): LogLine[] {
  const { inputs, path } = linesOf(input);
  if (inputs.length > limits.maxLinesPerRequest) {
    throw new TooLargeError(
      `A request may carry at most ${limits.maxLinesPerRequest} log lines; this one has ${inputs.length}. Send them in several requests`,
    );
  }
  const details: string[] = [];
  const lines = inputs.map((line, index) => checkLine(line, path(index), details, receivedAt));
  if (details.length > 0) throw new ValidationError('Invalid log lines', details);
  requireSize(lines, path, limits);
  return lines;
}

/** The ExecutionLogsAppended event for `executionlog-<id>` (appended with expected revision `any`). */
export function executionLogsAppended(ref: ExecutionRef, lines: LogLine[]): ExecutionLogsAppended {
  const { executionId, taskId, projectId } = ref;
  return { type: 'ExecutionLogsAppended', data: { executionId, taskId, projectId, lines } };
}

function linesOf(input: LogBatchInput): { inputs: LogLineInput[]; path: (index: number) => string } {
  if (typeof input !== 'object' || input === null) throw new ValidationError('A log request must be a JSON object');
  if (!('lines' in input)) return { inputs: [input as LogLineInput], path: () => '' };
  const { lines } = input;
  if (!Array.isArray(lines) || lines.length === 0) {
    throw new ValidationError('Invalid log lines', ['lines: must be a non-empty array of {message, level, timestamp?}']);
  }
  return { inputs: lines as LogLineInput[], path: (index) => `lines[${index}].` };
}

function checkLine(line: LogLineInput, prefix: string, details: string[], receivedAt: string): LogLine {
  if (typeof line !== 'object' || line === null) {
    details.push(`${prefix.replace(/\.$/, '')}: must be an object {message, level, timestamp?}`);
    return { message: '', level: 'info', timestamp: null, receivedAt };
  }
  const { message, level, timestamp } = line;
  if (typeof message !== 'string' || message.trim() === '') details.push(`${prefix}message: must be a non-empty string`);
  const normalizedLevel = typeof level === 'string' ? level.toLowerCase() : level;
  if (!LOG_LEVELS.includes(normalizedLevel as LogLevel)) {
    details.push(`${prefix}level: ${quoted(level ?? null)} is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const normalizedTimestamp = normalizeTimestamp(timestamp);
  if (normalizedTimestamp === undefined) {
    details.push(`${prefix}timestamp: must be an ISO-8601 instant with a time zone, e.g. 2025-01-31T12:00:00Z`);
  }
  return {
    message: typeof message === 'string' ? message : '',
    level: normalizedLevel as LogLevel,
    timestamp: normalizedTimestamp ?? null,
    receivedAt,
  };
}

/** null when absent; undefined when present but not an instant. */
function normalizeTimestamp(timestamp: unknown): string | null | undefined {
  if (timestamp === undefined || timestamp === null) return null;
  const millis = typeof timestamp === 'string' ? parseIsoInstant(timestamp) : undefined;
  return millis === undefined ? undefined : new Date(millis).toISOString();
}

function requireSize(lines: LogLine[], path: (index: number) => string, limits: LogLimits): void {
  const tooLong = lines.flatMap((line, index) => (line.message.length > limits.maxLineLength ? [index] : []));
  if (tooLong.length > 0) {
    const named = tooLong.slice(0, NAMED_IN_MESSAGE).map((index) => `${path(index)}message (${lines[index].message.length})`);
    const more = tooLong.length > NAMED_IN_MESSAGE ? ` and ${tooLong.length - NAMED_IN_MESSAGE} more` : '';
    throw new TooLargeError(
      `Log lines may be at most ${limits.maxLineLength} characters; too long: ${named.join(', ')}${more}. ` +
        'Split long messages into several lines',
    );
  }
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line.message, 'utf8'), 0);
  if (bytes > limits.maxBatchBytes) {
    throw new TooLargeError(
      `These log lines total ${bytes} bytes; one request may carry at most ${limits.maxBatchBytes}. Send them in several requests`,
    );
  }
}
