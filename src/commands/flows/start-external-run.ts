import type { AppServices } from '../../app-services';
import { AppError, ConflictError, NotFoundError } from '../../errors/app-error';
import { executionStream, taskNameStream } from '../../events/streams';
import type { ExecutionDoc } from '../../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../../projections/history-projection';
import type { CommandContext } from '../command-context';
import { executionDecider } from '../execution/execution-decider';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import { taskNameDecider } from '../name-reservation/name-reservation-decider';
import type { Task } from '../task/task-state';
import { loadLiveTask } from './load-task';
import { createUnscheduledRun } from './unscheduled-run';
import { quoted } from '../../errors/quoted';

/** Without a start deadline on the task, a run matches a tick at most this far from now. */
export const DEFAULT_MATCH_TOLERANCE_SECONDS = 300;
/** How long to let the history read model catch up before matching (a tick created a moment ago). */
const READ_MODEL_WAIT_MS = 2_000;

export interface StartedRun {
  executionId: string;
  /** True when the run took over the pending execution of a scheduled tick; false for a new EXTERNAL execution. */
  matched: boolean;
  scheduledAt: string;
}

export type TaskRef = { taskId: string } | { taskName: string };

type RunServices = Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry'>;

/**
 * POST …/tasks/{task_uuid}/runs and …/tasks/by-name/{task_name}/runs: an executor running on its own
 * clock (crontab, CI) says it is starting the task now.
 *
 * For a task in `external` mode the scheduler still creates an execution at every tick; the run is
 * matched to the latest such PENDING SCHEDULED execution whose `scheduled_at` is within the tolerance
 * of now (± the task's start deadline, else ± 5 min), which goes RUNNING (a run the scheduler expected).
 * Otherwise (another mode, no such tick, or every candidate taken by a concurrent run) a new execution
 * with trigger type EXTERNAL is created and started (an unscheduled run). Either way the answer carries
 * the execution id the executor then reports logs and its end to.
 */
export async function startExternalRun(services: RunServices, context: CommandContext, projectId: string, ref: TaskRef): Promise<StartedRun> {
  const taskId = 'taskId' in ref ? ref.taskId : await taskIdByName(services, projectId, ref.taskName);
  const task = await loadLiveTask(services.events, projectId, taskId);
  if (task.status === 'PENDING_DELETE' || task.status === 'DELETE_FAILED') {
    throw new ConflictError(`This task is being deleted (${task.status}); it cannot start runs`);
  }
  const now = services.clock.now();
  if (task.definition.executionMode === 'external') {
    for (const candidate of await pendingTicks(services, task, now)) {
      if (await start(services, context, projectId, candidate.id)) return { executionId: candidate.id, matched: true, scheduledAt: candidate.scheduledAt };
    }
  }
  return createExternal(services, context, task);
}

/** PENDING SCHEDULED executions of the task within the tolerance of now, latest tick first. */
async function pendingTicks(services: RunServices, task: Task, now: Date): Promise<ExecutionDoc[]> {
  await catchUpHistory(services);
  const toleranceMs = (task.definition.startDeadlineSeconds ?? DEFAULT_MATCH_TOLERANCE_SECONDS) * 1000;
  const from = new Date(now.getTime() - toleranceMs).toISOString();
  const to = new Date(now.getTime() + toleranceMs).toISOString();
  const { items } = await services.reads.find<ExecutionDoc>(services.registry.collection(HISTORY_PROJECTION, EXECUTIONS), {
    // createdAt bounds the index scan: a tick's execution is created at (or after) its instant.
    filter: { taskId: task.taskId, createdAt: { $gte: from }, status: 'PENDING', triggerType: 'SCHEDULED', scheduledAt: { $gte: from, $lte: to } },
    sort: [['scheduledAt', -1]],
    limit: 10,
  });
  return items;
}

/**
 * Lets the history read model catch up with the store (at most 2 s) before a run is looked for in it:
 * a tick created, or a run started by another instance, a moment ago.
 */
export async function catchUpHistory(services: Pick<RunServices, 'events' | 'projections'>): Promise<void> {
  await services.projections.waitForPosition(await services.events.headPosition(), READ_MODEL_WAIT_MS).catch(() => undefined);
}

/** Marks the execution RUNNING; false when it is no longer PENDING (a concurrent run, a deadline). */
async function start(services: RunServices, context: CommandContext, projectId: string, executionId: string): Promise<boolean> {
  try {
    const outcome = await executeCommand(
      services,
      executionStream(executionId),
      executionDecider,
      { type: 'ReportExecutionStatus', projectId, status: 'RUNNING', route: 'v1', at: services.clock.now().toISOString() },
      context,
    );
    return outcome.events.some((event) => event.type === 'ExecutionStarted');
  } catch (err) {
    if (err instanceof AppError && ['conflict', 'not_found', 'gone'].includes(err.kind)) return false;
    throw err;
  }
}

async function createExternal(services: RunServices, context: CommandContext, task: Task): Promise<StartedRun> {
  const { executionId, scheduledAt } = await createUnscheduledRun(services, context, task, 'EXTERNAL', { readYourWrites: false });
  await start(services, context, task.projectId, executionId);
  return { executionId, matched: false, scheduledAt };
}

/** The task holding the name in the project, from the name's reservation stream (not a read model). */
async function taskIdByName(services: RunServices, projectId: string, taskName: string): Promise<string> {
  const { state } = await loadAggregate(services.events, taskNameStream(projectId, taskName), taskNameDecider);
  if (state === null) throw new NotFoundError(`Project ${projectId} has no task named ${quoted(taskName)}`);
  return state.ownerId;
}
