import type { LogLevel, LogLine } from '../events/execution-log-events';
import type { Doc } from '../stores/read/read-store';

/** One log line in the `history` read model, numbered from 0 per execution in the order received. */
export interface LogLineDoc extends Doc {
  executionId: string;
  seq: number;
  message: string;
  level: LogLevel;
  /** The client's own time for the line, if it sent one. */
  timestamp: string | null;
  receivedAt: string;
}

/** Zero-padded so ids sort like `seq` too (handy when reading the store by hand). */
export function logLineId(executionId: string, seq: number): string {
  return `${executionId}:${String(seq).padStart(10, '0')}`;
}

export function logLineDoc(executionId: string, seq: number, line: LogLine): LogLineDoc {
  return { id: logLineId(executionId, seq), executionId, seq, ...line };
}

/** What a batch adds to an execution's log size (the unit of the per-execution limit). */
export function messageBytes(lines: LogLine[]): number {
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line.message, 'utf8'), 0);
}
