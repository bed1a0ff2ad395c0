import type { AppServices } from '../../app-services';
import { AppError } from '../../errors/app-error';
import type { ExecutionRef } from '../../events/execution-events';
import { executionStream, pingRunStream } from '../../events/streams';
import type { ExecutionDoc } from '../../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../../projections/history-projection';
import { type CommandContext, newCommandContext } from '../command-context';
import { executionDecider } from '../execution/execution-decider';
import type { ReportExecutionStatus } from '../execution/execution-commands';
import { isTerminal } from '../execution/execution-state';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import { nameReservationDecider } from '../name-reservation/name-reservation-decider';
import { nameOwner, releaseName, reserveName } from '../name-reservation/reserve-name';
import type { Task } from '../task/task-state';
import { appendExecutionLogs } from './append-execution-logs';
import { catchUpHistory, startExternalRun } from './start-external-run';

/** What a Healthchecks-style ping says: the signal, and for an exit status the number (0–255). */
export type PingSignal = { kind: 'success' } | { kind: 'start' } | { kind: 'fail' } | { kind: 'log' } | { kind: 'exit'; status: number };

export interface Ping {
  signal: PingSignal;
  /** `?rid=`, lowercased: tells concurrent runs of the task apart. */
  rid: string | null;
  /** The request body as log lines (already cut to the body limit); empty for none. */
  lines: string[];
}

/** recorded: the run was opened, closed or logged to; no_run: a `log` ping found no open run to log to. */
export type PingOutcome = 'recorded' | 'no_run';

type PingServices = Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry'>;

const pingRunDecider = nameReservationDecider(() => 'This run id already names another run');

/**
 * A ping on our external-mode runs (the same flow as POST …/tasks/{id}/runs and …/finish): `start`
 * opens a run; success, fail and an exit status close the run named by `rid`, else the task's latest
 * open run, else (no start was sent) record a complete run of zero duration; `log` adds the body to that
 * run. The actor of every event is `ping:<task id>`: the URL is the only credential.
 */
export async function recordPing(services: PingServices, task: Task, ping: Ping): Promise<PingOutcome> {
  const context = newCommandContext(`ping:${task.taskId}`);
  if (ping.signal.kind === 'start') {
    const run = await openRun(services, context, task, ping.rid);
    await log(services, context, run, ping.lines);
    return 'recorded';
  }
  const open = await openRunOf(services, task, ping.rid);
  if (ping.signal.kind === 'log') {
    if (open === null) return 'no_run';
    await log(services, context, open, ping.lines);
    return 'recorded';
  }
  const run = open ?? (await openRun(services, context, task, ping.rid));
  await log(services, context, run, ping.lines);
  await finish(services, context, run, ping.signal, open === null);
  return 'recorded';
}

async function openRun(services: PingServices, context: CommandContext, task: Task, rid: string | null): Promise<ExecutionRef> {
  const started = await startExternalRun(services, context, task.projectId, { taskId: task.taskId });
  const ref = { executionId: started.executionId, taskId: task.taskId, projectId: task.projectId };
  if (rid !== null) await nameRun(services, context, task.taskId, rid, ref.executionId);
  return ref;
}

/** Points the run id at this run; a run id used again (a new run of the same job) moves to the new run. */
async function nameRun(services: PingServices, context: CommandContext, taskId: string, rid: string, executionId: string): Promise<void> {
  const stream = pingRunStream(taskId, rid);
  const owner = await nameOwner(services, stream, pingRunDecider);
  if (owner !== null && owner !== executionId) await releaseName(services, stream, pingRunDecider, owner, context);
  await reserveName(services, stream, pingRunDecider, executionId, rid, context);
}

/** The run a closing or log ping is about: by run id (when still open), else the latest open run; null when none. */
async function openRunOf(services: PingServices, task: Task, rid: string | null): Promise<ExecutionRef | null> {
  const ref = (executionId: string) => ({ executionId, taskId: task.taskId, projectId: task.projectId });
  if (rid !== null) {
    const executionId = await nameOwner(services, pingRunStream(task.taskId, rid), pingRunDecider);
    return executionId !== null && (await isOpen(services, executionId)) ? ref(executionId) : null;
  }
  await catchUpHistory(services);
  const { items } = await services.reads.find<ExecutionDoc>(services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), {
    filter: { taskId: task.taskId, status: 'RUNNING' },
    sort: [['scheduledAt', -1]],
    limit: 1,
  });
  return items[0] ? ref(items[0].id) : null;
}

async function isOpen(services: PingServices, executionId: string): Promise<boolean> {
  const { state } = await loadAggregate(services.events, executionStream(executionId), executionDecider);
  return state !== null && !isTerminal(state.status);
}

async function log(services: PingServices, context: CommandContext, run: ExecutionRef, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await appendExecutionLogs(services, context, run, { lines: lines.map((message) => ({ message, level: 'info' })) });
}

/**
 * Ends the run. A run the system ended meanwhile (timed out, cancelled) keeps its end: the ping is kept
 * as a late report in its audit trail, as the original status route does, and the caller still hears OK.
 */
async function finish(services: PingServices, context: CommandContext, run: ExecutionRef, signal: PingSignal, zeroDuration: boolean): Promise<void> {
  const failed = signal.kind === 'fail' || (signal.kind === 'exit' && signal.status !== 0);
  const report: ReportExecutionStatus = {
    type: 'ReportExecutionStatus',
    projectId: run.projectId,
    status: failed ? 'FAILED' : 'SUCCESS',
    error: failed ? (signal.kind === 'exit' ? `exit status ${signal.status}` : 'reported failed by ping') : null,
    exitCode: signal.kind === 'exit' ? signal.status : null,
    durationMs: zeroDuration ? 0 : null,
    route: 'compat',
    at: services.clock.now().toISOString(),
  };
  try {
    await executeCommand(services, executionStream(run.executionId), executionDecider, report, context);
  } catch (err) {
    // A contradiction (a second end for one run): the first end stands, like Healthchecks keeping the flip.
    if (!(err instanceof AppError && err.kind === 'conflict')) throw err;
  }
}
