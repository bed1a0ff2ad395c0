import type { Writable } from 'node:stream';
import type { Execution, LogLine } from '../api/paths';
import type { LiveEvents, LiveEventsOptions, LiveMessage } from '../live-events';
import type { ManagementClient } from '../management';
import { duration, shortTime } from './output';

export const TERMINAL_STATUSES = ['SUCCESS', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'MISSED', 'SKIPPED'];

/** The safety-net re-read when no live message arrives (the stream's `: ping` comes every 15 s). */
export const DEFAULT_FALLBACK_POLL_MS = 15_000;

export interface TailOptions {
  /**
   * Re-read through REST at least this often even when the live stream says nothing (default 15 s):
   * a safety net, since the stream wakes the tail up as soon as something changes.
   */
  fallbackPollMs?: number;
  /** @deprecated Earlier versions polled every `intervalMs`; now the same as `fallbackPollMs`. */
  intervalMs?: number;
  out?: Writable;
  signal?: AbortSignal;
  /** The project's stream to follow (tailTask shares its own); when absent one is opened and closed here. */
  live?: LiveEvents;
  /** Reconnection of a stream opened here. */
  liveOptions?: LiveEventsOptions;
}

const PAGE = 500;

/**
 * Prints an execution's log lines and status changes as they arrive, until it ends (then the last
 * lines and a summary). Follows the project's live stream: on each `execution` or `logs` message of
 * this execution, and on each (re)connection (`ready`), it re-reads the execution and the paged logs
 * route from its cursor (a cursor for full pages, and the last partial page re-read from its cursor,
 * printing only lines not printed yet), so a missed message loses nothing.
 */
export async function tailExecution(client: ManagementClient, executionId: string, options: TailOptions = {}): Promise<Execution> {
  const out = options.out ?? process.stdout;
  const wake = new Wakeup();
  const listener = (m: LiveMessage) => {
    if (m.event === 'ready' || ((m.event === 'execution' || m.event === 'logs') && m.data.execution_id === executionId)) wake.notify();
  };
  // A shared stream is listened to before the first read, so nothing between the two goes unnoticed.
  let live = options.live;
  let unsubscribe = live?.subscribe(listener);
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

  try {
    let execution = await client.executions.get(executionId);
    if (!live) {
      // Opened now, its first `ready` brings one more read: whatever changed meanwhile is caught up.
      live = client.liveEvents(execution.project_id, options.liveOptions);
      unsubscribe = live.subscribe(listener);
    }
    for (;;) {
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
      await wake.wait(fallbackPollMs(options), options.signal);
      execution = await client.executions.get(executionId);
    }
  } finally {
    unsubscribe?.();
    if (live !== options.live) live?.close();
  }
}

/**
 * Follows a task: tails its running execution, then each new one, woken by the live stream's
 * `execution` and `task` messages of the task. With `once`, returns when the first execution it
 * follows ends.
 */
export async function tailTask(
  client: ManagementClient,
  projectId: string,
  taskId: string,
  options: TailOptions & { once?: boolean } = {},
): Promise<Execution | null> {
  const out = options.out ?? process.stdout;
  const live = options.live ?? client.liveEvents(projectId, options.liveOptions);
  const wake = new Wakeup();
  const unsubscribe = live.subscribe((m) => {
    if (m.event === 'ready' || ((m.event === 'execution' || m.event === 'task') && m.data.task_id === taskId)) wake.notify();
  });
  try {
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
        const ended = await tailExecution(client, latest.execution_uuid, { ...options, live });
        if (options.once || options.signal?.aborted) return ended;
      } else {
        if (!waiting) {
          out.write(`── waiting for the next execution of ${task.name}…\n`);
          waiting = true;
        }
        if (options.signal?.aborted) return null;
        await wake.wait(fallbackPollMs(options), options.signal);
      }
      task = await client.tasks.get(projectId, taskId);
    }
  } finally {
    unsubscribe();
    if (live !== options.live) live.close();
  }
}

function fallbackPollMs(options: TailOptions): number {
  return options.fallbackPollMs ?? options.intervalMs ?? DEFAULT_FALLBACK_POLL_MS;
}

/** A latched wake-up call: a notify() that comes while nobody waits wakes the next wait() at once. */
class Wakeup {
  #pending = false;
  #wake: (() => void) | undefined;

  notify(): void {
    if (this.#wake) this.#wake();
    else this.#pending = true;
  }

  /** Resolves on notify(), after `ms`, or when `signal` aborts, whichever comes first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#pending || signal?.aborted) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
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
