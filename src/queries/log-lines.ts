import { HISTORY_PROJECTION, LOG_LINES } from '../projections/history-projection';
import type { LogLineDoc } from '../projections/log-read-model';
import type { QueryServices } from './query-services';

export type LogOrder = 'asc' | 'desc';

export interface LogLinesPage {
  lines: LogLineDoc[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/**
 * One page of an execution's log, from the first line (`asc`) or from the last (`desc`). Keyset
 * pagination on the (executionId, seq) index: every page costs one index seek, however deep.
 */
export async function logLinesPage(
  services: QueryServices,
  executionId: string,
  options: { order: LogOrder; limit: number; cursor?: string },
): Promise<LogLinesPage> {
  const { items, nextCursor } = await services.reads.find<LogLineDoc>(services.registry.collection(HISTORY_PROJECTION, LOG_LINES), {
    filter: { executionId },
    sort: [['seq', options.order === 'asc' ? 1 : -1]],
    limit: options.limit,
    cursor: options.cursor,
  });
  return nextCursor === undefined ? { lines: items } : { lines: items, nextCursor };
}

/** The last `count` lines of an execution, in the order they were received. */
export async function lastLogLines(services: QueryServices, executionId: string, count: number): Promise<LogLineDoc[]> {
  const { lines } = await logLinesPage(services, executionId, { order: 'desc', limit: count });
  return lines.reverse();
}
