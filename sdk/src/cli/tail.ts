import type { Writable } from 'node:stream';
import type { Execution, LogLine } from '../api/paths';
import type { ManagementClient } from '../management';
import { sleep } from '../retry';
import { duration, shortTime } from './output';

export const TERMINAL_STATUSES = ['SUCCESS', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'MISSED'];

export interface TailOptions {
  intervalMs?: number;
  out?: Writable;
  signal?: AbortSignal;
}

const PAGE = 500;

/**
 * Prints an execution's log lines and status changes as they arrive, until it ends (then the last
 * lines and a summary). Polls the paged logs route: a cursor for full pages, and the last partial
 * page re-read from its cursor, printing only lines not printed yet.
 */
export async function tailExecution(client: ManagementClient, executionId: string, options: TailOptions = {}): Promise<Execution> {
  const out = options.out ?? process.stdout;
  const interval = options.intervalMs ?? 1000;
  let cursor: string | undefined;
  let lastSeq = -1;
  let lastStatus: string | null = null;

  const drain = async () => {
    for (;;) {
      const page = await client.executions.logs(executionId, { cursor, limit: PAGE });
      for (const line of page.data) {
        if (line.seq <= lastSeq) continue;
        out.write(`${formatLine(line)}\n`);
        lastSeq = line.seq;
      }
      if (!page.next_cursor) return;
      cursor = page.next_cursor;
    }
  };

  for (;;) {
    const execution = await client.executions.get(executionId);
    if (execution.status !== lastStatus) {
      if (lastStatus === null) out.write(`── execution ${execution.id} of ${execution.task_name} (${execution.trigger_type}, scheduled ${shortTime(execution.scheduled_at)})\n`);
      if (!TERMINAL_STATUSES.includes(execution.status)) out.write(`── ${execution.status}\n`);
      lastStatus = execution.status;
    }
    await drain();
    if (TERMINAL_STATUSES.includes(execution.status)) {
      await drain();
      out.write(`── ${summary(execution)}\n`);
      return execution;
    }
    if (options.signal?.aborted) return execution;
    await sleep(interval, options.signal);
  }
}

/**
 * Follows a task: tails its running execution, then each new one. With `once`, returns when the
 * first execution it follows ends.
 */
export async function tailTask(
  client: ManagementClient,
  projectId: string,
  taskId: string,
  options: TailOptions & { once?: boolean } = {},
): Promise<Execution | null> {
  const out = options.out ?? process.stdout;
  const interval = options.intervalMs ?? 1000;
  const first = await client.tasks.get(projectId, taskId);
  let seen: string | null = null;
  if (first.last_execution && TERMINAL_STATUSES.includes(first.last_execution.status)) seen = first.last_execution.execution_uuid;
  let waiting = false;
  let task = first;
  for (;;) {
    const latest = task.last_execution;
    if (latest && latest.execution_uuid !== seen) {
      waiting = false;
      seen = latest.execution_uuid;
      const ended = await tailExecution(client, latest.execution_uuid, options);
      if (options.once || options.signal?.aborted) return ended;
    } else {
      if (!waiting) {
        out.write(`── waiting for the next execution of ${task.name}…\n`);
        waiting = true;
      }
      if (options.signal?.aborted) return null;
      await sleep(interval, options.signal);
    }
    task = await client.tasks.get(projectId, taskId);
  }
}

export function formatLine(line: LogLine): string {
  return `${shortTime(line.timestamp)} ${line.level.toUpperCase().padEnd(5)} ${line.message}`;
}

function summary(execution: Execution): string {
  const parts = [`${execution.status}`];
  if (execution.duration_ms !== null) parts.push(`in ${duration(execution.duration_ms)}`);
  if (execution.exit_code !== null) parts.push(`exit code ${execution.exit_code}`);
  const head = parts.join(', ');
  return execution.error ? `${head}: ${execution.error.split('\n')[0]}` : head;
}
