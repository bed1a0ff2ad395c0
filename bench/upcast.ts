/**
 * `npm run bench -- upcast [--executions 50000]`
 *
 * What upcasting on read costs a rebuild. The same history is written twice: once as an older
 * version wrote it (every ExecutionMissed at version 1, a sentence, half of all events: a v1-heavy
 * history) and once as today's code writes it (all current). Each is read whole and rebuilt into the
 * history read model through the registry, and the current history also without any registry, in
 * the same run on the same disk. Each figure is the best of three rounds, taken in alternation (the rebuild figures vary by ±15 % between runs on a busy machine).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemaVersionOf } from '../src/events/event-schemas';
import { EventUpcasting } from '../src/events/event-upcasting';
import { missedByStartDeadline, missedReason } from '../src/events/execution-events';
import { executionStream } from '../src/events/streams';
import { createLogger } from '../src/logging/logger';
import { HISTORY_PROJECTION, historyProjection } from '../src/projections/history-projection';
import { ProjectionRegistry } from '../src/projections/projection-registry';
import { ProjectionRunner } from '../src/projections/projection-runner';
import type { EventStore, EventUpcaster, NewEvent } from '../src/stores/events/event-store';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';
import { type BenchRow, formatTable } from './report';

const ROUNDS = 3;
const PROJECT = 'c0a80121-0000-4000-8000-000000000001';
const TASK = 'c0a80121-0000-4000-8000-000000000002';

type History = 'v1' | 'current';

export async function upcastBench(args: string[]): Promise<void> {
  const executions = parseArgs(args);
  const dir = mkdtempSync(join(tmpdir(), 'upcast-bench-'));
  try {
    const files: Record<History, string> = { v1: join(dir, 'v1.db'), current: join(dir, 'current.db') };
    for (const history of ['v1', 'current'] as const) await populate(files[history], history, executions);
    const runs: Array<{ figure: string; history: History; upcaster: boolean; baseline?: string }> = [
      { figure: 'readAll, all current, no registry', history: 'current', upcaster: false },
      { figure: 'readAll, all current, through the registry', history: 'current', upcaster: true, baseline: 'readAll, all current, no registry' },
      { figure: 'readAll, v1-heavy (half upcast)', history: 'v1', upcaster: true, baseline: 'readAll, all current, through the registry' },
    ];
    const rebuilds: typeof runs = [
      { figure: 'history rebuild, all current', history: 'current', upcaster: true },
      { figure: 'history rebuild, v1-heavy (half upcast)', history: 'v1', upcaster: true, baseline: 'history rebuild, all current' },
    ];
    const best = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const run of runs) keepBest(best, run.figure, await readRate(files[run.history], run.upcaster));
      for (const run of rebuilds) keepBest(best, run.figure, await rebuildRate(files[run.history], join(dir, `read-${round}-${run.history}.db`)));
    }
    const rows: BenchRow[] = [...runs, ...rebuilds].map((run) => ({
      figure: run.figure,
      value: best.get(run.figure)!,
      unit: 'events/s',
      ...(run.baseline ? { baseline: run.baseline } : {}),
    }));
    console.log(formatTable(`Upcasting on read, ${(executions * 2).toLocaleString('en-US')} events (half ExecutionMissed), in ${tmpdir()}`, rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(args: string[]): number {
  if (args.length === 0) return 50_000;
  const value = Number(args[1]);
  if (args[0] !== '--executions' || args.length !== 2 || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`Unknown or invalid options ${args.join(' ')}; expected --executions N`);
  }
  return value;
}

/** Each execution: created, then missed at its start deadline; ExecutionMissed as the history's version wrote it. */
async function populate(file: string, history: History, executions: number): Promise<void> {
  const store = SqliteEventStore.open({ file, synchronous: 'NORMAL' });
  try {
    let pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < executions; i++) {
      const executionId = randomUUID();
      const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
      const ref = { executionId, taskId: TASK, projectId: PROJECT };
      const reason = missedByStartDeadline(60 + (i % 240));
      const created = event('ExecutionCreated', 1, {
        ...ref, taskName: 'nightly', scheduledAt: at, triggerType: 'SCHEDULED', attempt: 1, executionMode: 'pull',
        timeoutSeconds: null, startDeadlineSeconds: reason.startDeadlineSeconds, createdAt: at,
      }, at);
      const missed = history === 'v1'
        ? event('ExecutionMissed', 1, { ...ref, at, reason: missedReason(reason) }, at)
        : event('ExecutionMissed', schemaVersionOf('ExecutionMissed'), { ...ref, at, ...reason }, at);
      pending.push(store.append(executionStream(executionId), [created, missed], 'no_stream'));
      if (pending.length >= 500) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
  } finally {
    await store.close();
  }
}

function event(type: string, schemaVersion: number, data: Record<string, unknown>, occurredAt: string): NewEvent {
  const eventId = randomUUID();
  return { type, data, metadata: { eventId, occurredAt, actor: 'system:bench', correlationId: eventId, causationId: eventId, schemaVersion } };
}

function openStore(file: string, upcaster: EventUpcaster | undefined): EventStore {
  return SqliteEventStore.open({ file, synchronous: 'NORMAL', ...(upcaster ? { upcaster } : {}) });
}

/** Every event in pages of 1000, from SQL (a freshly opened store holds nothing in memory). */
async function readRate(file: string, upcaster: boolean): Promise<number> {
  const store = openStore(file, upcaster ? new EventUpcasting() : undefined);
  try {
    let count = 0;
    let after: number | null = null;
    const started = performance.now();
    for (;;) {
      const page = await store.readAll({ after, maxCount: 1000 });
      if (page.length === 0) break;
      count += page.length;
      after = page[page.length - 1]!.position;
    }
    return count / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
  }
}

async function rebuildRate(file: string, readFile: string): Promise<number> {
  const store = openStore(file, new EventUpcasting());
  const reads = SqliteReadStore.open({ file: readFile });
  try {
    const events = (await store.headPosition()) ?? 0;
    const runner = new ProjectionRunner([historyProjection], store, reads, new ProjectionRegistry(reads), createLogger('silent'));
    const started = performance.now();
    await runner.rebuild(HISTORY_PROJECTION, { stayLive: false });
    const seconds = (performance.now() - started) / 1000;
    await runner.stop();
    return events / seconds;
  } finally {
    await reads.close();
    await store.close();
  }
}

function keepBest(best: Map<string, number>, figure: string, value: number): void {
  best.set(figure, Math.max(best.get(figure) ?? 0, value));
}
