import { HISTORY_PROJECTION, LOG_CHUNKS } from '../projections/history-projection';
import { type LogChunkDoc, logChunkIds, type NumberedLogLine, numberedLine } from '../projections/log-read-model';
import { decodeLogCursor, encodeLogCursor, type LogOrder } from './log-cursor';
import type { QueryServices } from './query-services';

export type { LogOrder } from './log-cursor';

export interface LogLinesPage {
  lines: NumberedLogLine[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** Chunks the first read of a page asks for: 100 lines (and the one after) from batches of 100 mostly span two. */
const FIRST_READ = 2;

/**
 * One page of an execution's log, `limit` lines from the first line (`asc`) or from the last (`desc`).
 * The lines are stored a chunk per batch received; a page reads chunks in its order along the id
 * index (chunk ids sort by execution, then firstSeq: logChunkId), from the chunk holding its first
 * line, until it has one line more than `limit`: that line says there is a next page, and the cursor
 * names it. Each read is one index seek,
 * however deep the page; lines appended meanwhile only add chunks after the last one, so an `asc`
 * cursor goes on into them and a `desc` one never sees them.
 */
export async function logLinesPage(
  services: QueryServices,
  executionId: string,
  options: { order: LogOrder; limit: number; cursor?: string },
): Promise<LogLinesPage> {
  const { order, limit } = options;
  const from = options.cursor === undefined ? undefined : decodeLogCursor(options.cursor, order);
  const lines: NumberedLogLine[] = [];
  const missing = () => limit + 1 - lines.length;
  for await (const chunk of chunksFrom(services, executionId, order, from, missing)) {
    takeLines(chunk, order, from, missing(), lines);
    if (missing() === 0) break;
  }
  if (lines.length <= limit) return { lines };
  const next = lines.pop()!;
  return { lines, nextCursor: encodeLogCursor(order, next.seq) };
}

/** The last `count` lines of an execution, in the order they were received. */
export async function lastLogLines(services: QueryServices, executionId: string, count: number): Promise<NumberedLogLine[]> {
  const { lines } = await logLinesPage(services, executionId, { order: 'desc', limit: count });
  return lines.reverse();
}

type SeqBound = Parameters<typeof logChunkIds>[1];

/**
 * An execution's chunks in `order`, starting with the one that holds line `from` (or the first or last
 * chunk), read in batches sized to the lines still `missing` at the chunk size seen so far.
 */
async function* chunksFrom(
  services: QueryServices,
  executionId: string,
  order: LogOrder,
  from: number | undefined,
  missing: () => number,
): AsyncGenerator<LogChunkDoc> {
  const collection = services.registry.collection(HISTORY_PROJECTION, LOG_CHUNKS);
  const read = async (firstSeq: SeqBound | undefined, direction: 1 | -1, limit: number) =>
    services.reads.find<LogChunkDoc>(collection, { filter: { id: logChunkIds(executionId, firstSeq) }, sort: [['id', direction]], limit });

  const direction = order === 'asc' ? 1 : -1;
  let bound: SeqBound | undefined;
  if (from !== undefined && order === 'desc') bound = { $lte: from };
  if (from !== undefined && order === 'asc') {
    // The chunk holding `from` starts at or before it: the last one that does. The others start after it.
    const [holding] = (await read({ $lte: from }, -1, 1)).items;
    if (holding) yield holding;
    bound = { $gt: from };
  }
  let batch = FIRST_READ;
  let chunksRead = 0;
  let linesRead = 0;
  for (;;) {
    const { items, nextCursor } = await read(bound, direction, batch);
    for (const chunk of items) {
      chunksRead++;
      linesRead += chunk.count;
      yield chunk;
    }
    if (nextCursor === undefined) return;
    const last = items[items.length - 1]!.firstSeq;
    bound = direction === 1 ? { $gt: last } : { $lt: last };
    batch = Math.max(1, Math.ceil(missing() / (linesRead / chunksRead)));
  }
}

/** Appends to `into`, in page order, up to `room` of the chunk's lines from `from` on (`asc`) or down (`desc`). */
function takeLines(chunk: LogChunkDoc, order: LogOrder, from: number | undefined, room: number, into: NumberedLogLine[]): void {
  const offset = from === undefined ? undefined : from - chunk.firstSeq;
  if (order === 'asc') {
    const first = Math.max(0, offset ?? 0);
    for (let i = first; i < Math.min(chunk.count, first + room); i++) into.push(numberedLine(chunk, i));
  } else {
    const first = Math.min(chunk.count - 1, offset ?? chunk.count - 1);
    for (let i = first; i > Math.max(-1, first - room); i--) into.push(numberedLine(chunk, i));
  }
}
