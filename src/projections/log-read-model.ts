import type { LogLine } from '../events/execution-log-events';
import type { Doc } from '../stores/read/read-store';

/** A log line as queries answer it: numbered from 0 per execution, in the order received. */
export interface NumberedLogLine extends LogLine {
  seq: number;
  /** The attempt of the execution it was received during (retries); 1 for the first. */
  attempt: number;
}

/**
 * One stored batch of an execution's log lines (one `ExecutionLogsAppended` event) in the `history`
 * read model: its lines are numbered `firstSeq` to `firstSeq + count - 1`. An execution's chunks are
 * contiguous and never change once written, so a log of N lines is N/batch rows, not N.
 */
export interface LogChunkDoc extends Doc {
  executionId: string;
  firstSeq: number;
  count: number;
  lines: LogLine[];
  /** The execution's attempt when the batch arrived, from the second attempt on (absent: the first). */
  attempt?: number;
}

/** Zero-padded so ids sort like `firstSeq` too (handy when reading the store by hand). */
export function logChunkId(executionId: string, firstSeq: number): string {
  return `${executionId}:${String(firstSeq).padStart(10, '0')}`;
}

export function logChunkDoc(executionId: string, firstSeq: number, lines: LogLine[], attempt = 1): LogChunkDoc {
  const chunk: LogChunkDoc = { id: logChunkId(executionId, firstSeq), executionId, firstSeq, count: lines.length, lines };
  if (attempt > 1) chunk.attempt = attempt;
  return chunk;
}

/** The chunk's line at `index` (0-based within the chunk), with its number in the execution. */
export function numberedLine(chunk: LogChunkDoc, index: number): NumberedLogLine {
  return { seq: chunk.firstSeq + index, attempt: chunk.attempt ?? 1, ...chunk.lines[index]! };
}

/** What a batch adds to an execution's log size (the unit of the per-execution limit). */
export function messageBytes(lines: LogLine[]): number {
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line.message, 'utf8'), 0);
}
