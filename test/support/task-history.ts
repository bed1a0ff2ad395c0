import { SCHEDULER_STREAM_PREFIX, type TicksSkipped } from '../../src/events/scheduler-events';
import type { EventStore } from '../../src/stores/events/event-store';
import type { ApiClient } from './api-client';
import { waitFor } from './wait-for';

/** One execution as the history pages show it (the fields the end-to-end tests look at). */
export interface HistoryRow {
  id: string;
  task_id: string;
  status: string;
  trigger_type: string;
  scheduled_at: string;
  started_at: string;
  error: string | null;
  [field: string]: unknown;
}

const DAY_MS = 86_400_000;

/**
 * Every execution of a task created since `sinceMs`, read through the history pages of the API
 * (`GET …/tasks/{task_uuid}/executions?date=` per UTC day of creation, every page), oldest scheduled
 * first. A row met twice (pages shift while executions keep arriving) is kept once: it is the same
 * execution; two executions of one tick would be two ids.
 */
export async function taskHistory(client: ApiClient, projectId: string, taskId: string, sinceMs: number): Promise<HistoryRow[]> {
  const byId = new Map<string, HistoryRow>();
  for (let day = Math.floor(sinceMs / DAY_MS); day <= Math.floor(Date.now() / DAY_MS); day++) {
    const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    for (let page = 1; ; page++) {
      const response = await client.get(`/projects/${projectId}/tasks/${taskId}/executions?date=${date}&page=${page}&page_size=100`);
      if (response.status !== 200) throw new Error(`history of ${taskId} on ${date}: ${response.status} ${JSON.stringify(response.body)}`);
      for (const row of response.body.data as HistoryRow[]) byId.set(row.id, row);
      if (page >= response.body.total_pages) break;
    }
  }
  return [...byId.values()].sort((a, b) => a.scheduled_at.localeCompare(b.scheduled_at) || a.id.localeCompare(b.id));
}

/** Real processes on a possibly loaded machine: conditions are waited for generously, asserted exactly. */
const PATIENCE = { timeoutMs: 20_000, intervalMs: 100 };

/** Waits until `count` runs scheduled after `afterMs` have FAILED (a task whose executor always fails them). */
export async function failedRunsAfter(history: () => Promise<HistoryRow[]>, afterMs: number, count: number, what: string): Promise<void> {
  await waitFor(async () => (await history()).filter((r) => r.status === 'FAILED' && Date.parse(r.scheduled_at) > afterMs).length >= count, { ...PATIENCE, what });
}

/** Disables the task (it must answer 200), then waits until none of its runs is PENDING or RUNNING; answers them all. */
export async function disableAndSettle(client: ApiClient, projectId: string, taskId: string, history: () => Promise<HistoryRow[]>): Promise<HistoryRow[]> {
  const disabled = await client.patch(`/projects/${projectId}/tasks/${taskId}/status`, { status: 'DISABLED' });
  if (disabled.status !== 200) throw new Error(`disabling ${taskId}: ${disabled.status} ${JSON.stringify(disabled.body)}`);
  return waitFor(
    async () => {
      const rows = await history();
      return rows.every((r) => r.status !== 'PENDING' && r.status !== 'RUNNING') && rows;
    },
    { ...PATIENCE, what: 'every run to end' },
  );
}

/** The (task, scheduled instant) pairs held by more than one execution of the given trigger types. */
export function duplicateTicks(rows: HistoryRow[], triggers: string[] = ['SCHEDULED']): string[] {
  const seen = new Map<string, number>();
  for (const row of rows) {
    if (!triggers.includes(row.trigger_type)) continue;
    const key = `${row.task_id}@${row.scheduled_at}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, count]) => count > 1).map(([key, count]) => `${key} ×${count}`);
}

/** How many rows have each status, e.g. `{ SUCCESS: 3, MISSED: 1 }`. */
export function statusCounts(rows: HistoryRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
  return counts;
}

/**
 * For a task ticking every `periodMs`: the instants from its first recorded tick to its last that are
 * neither a SCHEDULED execution nor inside a TicksSkipped (`gaps`), the skipped instants that also have
 * an execution (`overlaps`), and TicksSkipped whose count does not match their range (`badRanges`).
 * All three are empty when every tick is accounted for exactly once.
 */
export function tickCoverage(rows: HistoryRow[], skipped: Array<TicksSkipped['data']>, periodMs: number): { gaps: string[]; overlaps: string[]; badRanges: string[] } {
  const ticks = new Set(rows.filter((r) => r.trigger_type === 'SCHEDULED').map((r) => Date.parse(r.scheduled_at)));
  const covered = new Set(ticks);
  const overlaps: string[] = [];
  const badRanges: string[] = [];
  for (const range of skipped) {
    const from = Date.parse(range.from);
    const to = Date.parse(range.to);
    if ((to - from) / periodMs + 1 !== range.count) badRanges.push(JSON.stringify(range));
    for (let t = from; t <= to; t += periodMs) {
      if (ticks.has(t)) overlaps.push(new Date(t).toISOString());
      covered.add(t);
    }
  }
  const gaps: string[] = [];
  if (covered.size > 0) {
    const first = Math.min(...covered);
    const last = Math.max(...covered);
    for (let t = first; t <= last; t += periodMs) if (!covered.has(t)) gaps.push(new Date(t).toISOString());
  }
  return { gaps, overlaps, badRanges };
}

/**
 * The TicksSkipped recorded for a task. They live in the scheduler's own stream, which the API does not
 * show: read them from the event store (in a server-process test, a connection to the same events file).
 */
export async function ticksSkipped(events: EventStore, taskId: string): Promise<Array<TicksSkipped['data']>> {
  return (await events.readAll({ filter: { streamPrefixes: [SCHEDULER_STREAM_PREFIX] } }))
    .filter((e) => e.type === 'TicksSkipped')
    .map((e) => e.data as TicksSkipped['data'])
    .filter((d) => d.taskId === taskId);
}
