/**
 * The generated history the read-side, cost-curves and cold-start benches measure: real event shapes
 * appended in batches to the embedded event store, the same rows in the same order for the same shape.
 */
import { v4 as uuidv4 } from 'uuid';
import { schemaVersionOf } from '../src/events/event-schemas';
import { missedByStartDeadline } from '../src/events/execution-events';
import { executionLogStream, executionStream, projectStream, taskStream } from '../src/events/streams';
import type { NewEvent } from '../src/stores/events/event-store';
import type { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { seededRandom as seeded } from '../test/support/seeded-random';

export const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney'];
const LINES_PER_BATCH = 100;
export const BIG_LOG = 100_000;
export const DAY_MS = 86_400_000;
const APPEND_CONCURRENCY = 512;

/** How much history to generate: executions spread over `days`, one in ten with logs, and one log of BIG_LOG lines. */
export interface HistoryShape {
  executions: number;
  'log-lines': number;
  tasks: number;
  projects: number;
  days: number;
}

export interface World {
  projects: string[];
  tasks: Array<{ projectId: string; taskId: string }>;
  bigLogExecution: string;
  loggedExecutions: string[];
  events: number;
  logLines: number;
  startMs: number;
  endMs: number;
  lastDay: number;
}

/**
 * Ids drawn from a seeded generator, restarted by each populate(): identical runs write identical rows in
 * the same order, so the pages a query touches lie alike in both runs' files. With random ids the layout of
 * the executions table varied between runs and moved the medians of its pages by up to 40%.
 */
function seededUuids(seed: number): () => string {
  const random = seeded(seed);
  return () => {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256);
    return uuidv4({ random: bytes });
  };
}
let newId = seededUuids(1);

function meta(occurredAt: string, type: string) {
  return { eventId: newId(), occurredAt, actor: 'system:bench', correlationId: newId(), causationId: newId(), schemaVersion: schemaVersionOf(type) };
}

function event(type: string, data: Record<string, unknown>, at: string): NewEvent {
  return { type, data, metadata: meta(at, type) };
}

/**
 * Projects, tasks, then executions on every task's own tick (so days fill evenly), each with its status
 * events in one append; log batches of 100 lines for one execution in ten, and one execution with 100,000.
 */
export async function populate(events: SqliteEventStore, s: HistoryShape): Promise<World> {
  const started = performance.now();
  const random = seeded(42);
  newId = seededUuids(1);
  const endMs = Date.parse('2026-03-31T00:00:00.000Z');
  const startMs = endMs - s.days * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  const projects: string[] = [];
  const tasks: Array<{ projectId: string; taskId: string; name: string }> = [];
  let count = 0;
  for (let p = 0; p < s.projects; p++) {
    const projectId = newId();
    projects.push(projectId);
    const at = iso(startMs - DAY_MS);
    await events.append(
      projectStream(projectId),
      [event('ProjectCreated', { projectId, name: `bench ${p}`, description: null, executionEndpoint: null, timezone: ZONES[p % ZONES.length], createdBy: 'bench', createdAt: at }, at)],
      'no_stream',
    );
    count++;
  }
  await Promise.all(
    Array.from({ length: s.tasks }, async (_, i) => {
      const projectId = projects[i % projects.length]!;
      const taskId = newId();
      const name = `task-${i}`;
      tasks.push({ projectId, taskId, name });
      const at = iso(startMs - DAY_MS);
      const definition = {
        taskGroupId: null,
        name,
        description: null,
        scheduleType: 'RECURRING',
        scheduleConfig: { cron_expression: '* * * * *', timezone: 'UTC' },
        timeoutSeconds: null,
        metadata: null,
        executionMode: 'pull',
        startDeadlineSeconds: null,
        alertPolicy: null,
      };
      await events.append(taskStream(taskId), [event('TaskCreated', { taskId, projectId, ...definition, status: 'ACTIVE', createdAt: at }, at)], 'no_stream');
      count++;
    }),
  );

  const perTask = Math.ceil(s.executions / s.tasks);
  const intervalMs = Math.max(60_000, Math.floor((s.days * DAY_MS) / perTask / 60_000) * 60_000);
  const logged = Math.max(1, Math.floor(s.executions / 10));
  const linesEach = Math.max(0, Math.floor((s['log-lines'] - BIG_LOG) / logged));
  const loggedExecutions: string[] = [];
  let bigLogExecution = '';
  let logLines = 0;
  let pending: Array<Promise<unknown>> = [];
  const flush = async () => {
    await Promise.all(pending);
    pending = [];
  };
  for (let i = 0; i < s.executions; i++) {
    const task = tasks[i % tasks.length]!;
    const tick = Math.floor(i / tasks.length);
    const scheduledMs = startMs + tick * intervalMs + (i % 7) * 60_000;
    const executionId = newId();
    const ref = { executionId, taskId: task.taskId, projectId: task.projectId };
    const createdMs = scheduledMs + Math.floor(random() * 500);
    const list: NewEvent[] = [
      event(
        'ExecutionCreated',
        {
          ...ref,
          taskName: task.name,
          scheduledAt: iso(scheduledMs),
          triggerType: 'SCHEDULED',
          attempt: 1,
          executionMode: 'pull',
          timeoutSeconds: null,
          startDeadlineSeconds: null,
          createdAt: iso(createdMs),
        },
        iso(createdMs),
      ),
    ];
    let t = createdMs + 50;
    const roll = random();
    if (roll < 0.5) {
      list.push(event('ExecutionStarted', { ...ref, at: iso(t), claimedBy: null }, iso(t)));
      t += 10;
    }
    if (scheduledMs < endMs - DAY_MS || roll < 0.9) {
      const durationMs = Math.floor(Math.exp(random() * 12));
      t += durationMs;
      const outcome = random();
      if (outcome < 0.85) list.push(event('ExecutionSucceeded', { ...ref, at: iso(t), exitCode: 0, durationMs, metrics: null }, iso(t)));
      else if (outcome < 0.95) list.push(event('ExecutionFailed', { ...ref, at: iso(t), exitCode: 1, durationMs, metrics: null, error: 'exit 1' }, iso(t)));
      else if (outcome < 0.98) list.push(event('ExecutionTimedOut', { ...ref, at: iso(t), timeoutSeconds: 60 }, iso(t)));
      else list.push(event('ExecutionMissed', { ...ref, at: iso(t), ...missedByStartDeadline(60) }, iso(t)));
    }
    pending.push(events.append(executionStream(executionId), list, 'no_stream'));
    count += list.length;
    const lines = i === 0 ? BIG_LOG : i % 10 === 5 && loggedExecutions.length < logged ? linesEach : 0;
    if (i === 0) bigLogExecution = executionId;
    else if (lines > 0) loggedExecutions.push(executionId);
    for (let from = 0; from < lines; from += LINES_PER_BATCH) {
      const n = Math.min(LINES_PER_BATCH, lines - from);
      const at = iso(createdMs + 20);
      const batch = Array.from({ length: n }, (_, k) => ({ message: `step ${from + k}: processed a record of the nightly import`, level: 'info', timestamp: null, receivedAt: at }));
      pending.push(events.append(executionLogStream(executionId), [event('ExecutionLogsAppended', { ...ref, lines: batch }, at)], 'any'));
      count++;
      logLines += n;
    }
    if (pending.length >= APPEND_CONCURRENCY) await flush();
    if (i > 0 && i % 100_000 === 0) console.error(`appended ${i.toLocaleString('en-US')} executions, ${count.toLocaleString('en-US')} events`);
  }
  await flush();
  const seconds = (performance.now() - started) / 1000;
  console.error(`populated ${count.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString('en-US')} events/s)`);
  const lastDay = Math.floor((endMs - 1) / DAY_MS);
  return { projects, tasks, bigLogExecution, loggedExecutions, events: count, logLines, startMs, endMs, lastDay };
}
