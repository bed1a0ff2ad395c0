import type { ExecutionDoc } from '../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../projections/history-projection';
import type { NumberedLogLine } from '../projections/log-read-model';
import { lastLogLines } from './log-lines';
import type { QueryServices } from './query-services';

/** The compatibility history page embeds at most this many of each execution's last log lines. */
export const EMBEDDED_LOG_LINES = 100;

export interface ExecutionWithLogTail {
  execution: ExecutionDoc;
  /** The last lines, oldest first; `execution.logsCount` says whether there are more. */
  logTail: NumberedLogLine[];
}

export interface ExecutionsOfDay {
  items: ExecutionWithLogTail[];
  total: number;
}

/**
 * A task's executions created on one UTC day (`YYYY-MM-DD`, already validated), newest first, one
 * page of them (1-based), each with the tail of its log. Creation instants are ISO strings from one
 * clock format, so a string range is a time range.
 */
export async function executionsOfDay(
  services: QueryServices,
  taskId: string,
  day: string,
  page: number,
  pageSize: number,
): Promise<ExecutionsOfDay> {
  const start = new Date(`${day}T00:00:00.000Z`);
  const end = new Date(start.getTime() + 86_400_000);
  const { items, total } = await services.reads.find<ExecutionDoc>(services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), {
    filter: { taskId, createdAt: { $gte: start.toISOString(), $lt: end.toISOString() } },
    sort: [['createdAt', -1]],
    skip: (page - 1) * pageSize,
    limit: pageSize,
    count: true,
  });
  const withLogs = await Promise.all(
    items.map(async (execution) => ({
      execution,
      logTail: execution.logsCount === 0 ? [] : await lastLogLines(services, execution.id, EMBEDDED_LOG_LINES),
    })),
  );
  return { items: withLogs, total: total ?? 0 };
}
