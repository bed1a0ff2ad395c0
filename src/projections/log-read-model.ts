import type { LogLine } from '../events/execution-log-events';
import type { Doc, FieldCondition } from '../stores/read/read-store';

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

/** Digits of `firstSeq` in a chunk's id: more than an execution's lines may ever number. */
const SEQ_DIGITS = 10;

/**
 * `<executionId>:<firstSeq, zero-padded>`: ids sort by execution, then by `firstSeq`, so the id index
 * alone finds an execution's chunks in order (logChunkIds) and no second index has to be kept up by
 * every log line received (it cost the projection thread about a fifth of its time under executor load).
 */
export function logChunkId(executionId: string, firstSeq: number): string {
  return `${executionId}:${String(firstSeq).padStart(SEQ_DIGITS, '0')}`;
}

/**
 * The ids of an execution's chunks, as a condition on `id`: all of them, or those whose `firstSeq`
 * compares so with `seq`. Both stores compare ids bytewise, where `;` follows `:`; execution ids are
 * UUIDs the server made, with no `:` in them, so the range holds this execution's chunks and no other's.
 */
export function logChunkIds(executionId: string, seq?: { $lte: number } | { $lt: number } | { $gt: number }): FieldCondition {
  const first = `${executionId}:`;
  const end = `${executionId};`;
  if (seq === undefined) return { $gte: first, $lt: end };
  if ('$lte' in seq) return { $gte: first, $lte: logChunkId(executionId, seq.$lte) };
  if ('$lt' in seq) return { $gte: first, $lt: logChunkId(executionId, seq.$lt) };
  return { $gt: logChunkId(executionId, seq.$gt), $lt: end };
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
