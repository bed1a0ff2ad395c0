/**
 * The scheduler bench's workload (bench/scheduler.ts): the tasks and project rules it writes, phase M's
 * policies by task index, lateness samples and memory readings.
 */
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { newCommandContext } from '../src/commands/command-context';
import { toNewEvent } from '../src/commands/handle-command';
import { taskDecider } from '../src/commands/task/task-decider';
import type { TaskDefinitionInput } from '../src/commands/task/task-commands';
import type { RetryPolicy } from '../src/events/retry-policy';
import type { ScheduleRuleEvent } from '../src/events/schedule-rule-events';
import { projectStream, taskStream } from '../src/events/streams';
import { type ExecutionWriter, storeExecutionWriter } from '../src/process-managers/scheduler';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { systemClock } from '../src/time/clock';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Tokyo', 'Asia/Kolkata'];
export const PROJECTS = 100;
export function taskConfig(i: number) {
  return { cron_expression: `${i % 60} * * * * *`, timezone: ZONES[Math.floor(i / 60) % ZONES.length] };
}

/** Phase M's retry policy (every third task): nobody fails in the bench, so it only rides on the executions. */
const RETRY: RetryPolicy = { maxAttempts: 3, backoff: 'exponential', delaySeconds: 30, maxDelaySeconds: 600, jitter: true, on: ['FAILED', 'TIMED_OUT'], alert: 'exhausted' };

/** Phase M's policies, by task index. */
function policiesOf(i: number): Pick<TaskDefinitionInput, 'overlap' | 'maxConcurrent' | 'retry'> {
  return { ...overlapOf(i), ...(i % 3 === 0 ? { retry: RETRY } : {}) };
}

function overlapOf(i: number): Pick<TaskDefinitionInput, 'overlap' | 'maxConcurrent'> {
  switch (i % 8) {
    case 3:
      return { maxConcurrent: 2 };
    case 4:
    case 5:
      return { overlap: { mode: 'forbid' } };
    case 6:
      return { overlap: { mode: 'queue', maxQueued: 2 } };
    case 7:
      return { overlap: { mode: 'replace' } };
    default:
      return {};
  }
}

export function memory(): { rss: number; heap: number } {
  gc();
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lateness samples (ms), kept only while `on`. */
export class Samples {
  private values = new Float64Array(1 << 16);
  length = 0;
  on = false;

  add(value: number): void {
    if (!this.on) return;
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  percentiles(): { p50: number; p99: number; max: number } {
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    return { p50: at(0.5), p99: at(0.99), max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1] };
  }
}

/** Every fourth task names its project's calendar (which exists from phase B2 on, in every other project). */
const usesCalendar = (i: number) => i % 4 === 0;

/** A task written by writeTasks, as a trigger names it. */
export interface TaskRef {
  taskId: string;
  projectId: string;
}

/** Appends one TaskCreated per task through the task decider, many appends in flight (group commit). */
export async function writeTasks(events: SqliteEventStore, projects: string[], count: number, mixed: boolean): Promise<TaskRef[]> {
  const written: TaskRef[] = [];
  const context = newCommandContext('user:bench');
  const at = new Date().toISOString();
  const CHUNK = 2_000;
  for (let start = 0; start < count; start += CHUNK) {
    const appends: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const taskId = randomUUID();
      written.push({ taskId, projectId: projects[i % PROJECTS] });
      const created = taskDecider.decide(
        {
          type: 'CreateTask',
          taskId,
          projectId: projects[i % PROJECTS],
          definition: {
            name: `bench-${i}`,
            scheduleType: 'RECURRING',
            scheduleConfig: taskConfig(i),
            executionMode: 'pull',
            ...(mixed ? policiesOf(i) : {}),
            ...(usesCalendar(i) ? { calendar: { calendarId: 'holidays', mode: 'skip' as const } } : {}),
          },
          at,
        },
        null,
      );
      appends.push(events.append(taskStream(taskId), created.map((e) => toNewEvent(e, context, systemClock)), 'no_stream'));
    }
    await Promise.all(appends);
  }
  return written;
}

/** Every other project gets a calendar of next year's holidays and two windows that hold no tick of the run back. */
export async function writeScheduleRules(events: SqliteEventStore, projects: string[]): Promise<void> {
  const context = newCommandContext('user:bench');
  const at = new Date().toISOString();
  const year = new Date().getUTCFullYear() + 1;
  const dates = ['01-01', '04-03', '04-06', '05-01', '12-25', '12-26'].map((day) => `${year}-${day}`);
  const farStart = new Date(Date.UTC(year, 6, 1)).toISOString();
  const farEnd = new Date(Date.UTC(year, 6, 2)).toISOString();
  await Promise.all(
    projects
      .filter((_, i) => i % 2 === 0)
      .map((projectId) => {
        const rules: ScheduleRuleEvent[] = [
          { type: 'CalendarSet', data: { projectId, calendarId: 'holidays', calendar: { name: 'Holidays', dates }, at } },
          { type: 'MaintenanceWindowSet', data: { projectId, windowId: 'weekly', window: { name: 'Weekly', scope: { kind: 'project' }, effect: 'silence', timing: { kind: 'recurring', cronExpression: '0 3 * * 0', timezone: 'UTC', durationMinutes: 60 } }, at } },
          { type: 'MaintenanceWindowSet', data: { projectId, windowId: 'upgrade', window: { name: 'Upgrade', scope: { kind: 'project' }, effect: 'pause', timing: { kind: 'once', start: farStart, end: farEnd } }, at } },
        ];
        return events.append(projectStream(projectId), rules.map((e) => toNewEvent(e, context, systemClock)), 'any');
      }),
  );
}

/** Appends sampled by their commit lateness: `recorded(tick instant, acknowledgement)`, epoch ms. */
export function measuredWriter(events: SqliteEventStore, recorded: (tickMs: number, committedMs: number) => void): ExecutionWriter {
  const store = storeExecutionWriter(events, systemClock);
  return async (command, context) => {
    const outcome = await store(command, context);
    recorded(Date.parse(command.scheduledAt), Date.now());
    return outcome;
  };
}

/** The lateness of each acknowledgement, into `samples`. */
export const intoSamples = (samples: Samples) => (tickMs: number, committedMs: number) => samples.add(committedMs - tickMs);
