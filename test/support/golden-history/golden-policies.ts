import { type ExecutionQueued, type ExecutionRef, type ExecutionSkipped, type OverlapReason, overlapReason } from '../../../src/events/execution-events';
import { executionLogStream, executionStream } from '../../../src/events/streams';
import { tickExecutionId } from '../../../src/process-managers/scheduler/tick-ids';
import type { HistoryWriter } from './history-writer';
import { afterEnd, type RunSettings } from './golden-runs';
import { createTask, type Project, setTaskStatus, type Task, updateTask } from './golden-world';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The scheduling policies where they happen in real life (history 3 on): an hourly pull task whose
 * runs hang for longer than its interval, under `queue` and then `forbid`:
 *
 *   10:m  tick 1 runs, and hangs until 12:m+20
 *   11:m  tick 2 waits (QUEUED behind tick 1)
 *   12:m  tick 3: the queue (max_queued 1) is full, SKIPPED, and alerted
 *   12:m+20 tick 1 ends; tick 2 is released, claimed, and hangs until 13:m+10
 *   12:m+40 the policy becomes `forbid`
 *   13:m  tick 4: SKIPPED, tick 2 still running
 *   13:m+30 the task is disabled (a server replaying the history owes it nothing)
 */
export function overlapScenario(w: HistoryWriter, settings: RunSettings, project: Project, day: Date): void {
  const createdAt = new Date(day.getTime() + 9 * HOUR);
  const task = createTask(w, createdAt, project, {
    name: 'hourly-rollup', mode: 'pull', everyHours: 1, timeoutSeconds: null, startDeadlineSeconds: null, failureRate: 0,
    alertPolicy: { afterFailures: 1, notifyRecovery: false, realertMinutes: null },
  });
  // Every tick from its creation on is scripted here (`m * * * *` in UTC), so none is owed to a replaying server.
  let firstTick = Math.floor(createdAt.getTime() / HOUR) * HOUR + task.minute * MINUTE;
  if (firstTick < createdAt.getTime()) firstTick += HOUR;
  const tickAt = (hour: number) => new Date(firstTick + (hour - 10) * HOUR);
  // Nothing is open at the first tick, so the policy set a minute after creation decides nothing there.
  updateTask(w, new Date(createdAt.getTime() + MINUTE), task, { overlap: { mode: 'queue', maxQueued: 1 } }, project.admin.id);

  const first = createTick(w, task, tickAt(10));
  claim(w, task, first, 'worker-a', new Date(tickAt(10).getTime() + 4_000));
  const second = createTick(w, task, tickAt(11), 'ExecutionQueued', { cause: 'previous_run_open', blockingExecutionId: first.executionId, limit: null });
  const third = createTick(w, task, tickAt(12), 'ExecutionSkipped', { cause: 'queue_full', blockingExecutionId: first.executionId, limit: 1 });
  afterEnd(w, settings, task, third, tickAt(12), 'SKIPPED', overlapReason({ cause: 'queue_full', blockingExecutionId: first.executionId, limit: 1 }));

  const firstEnd = new Date(tickAt(12).getTime() + 20 * MINUTE);
  succeed(w, task, first, new Date(tickAt(10).getTime() + 4_000), firstEnd);
  const firstEnded = w.lastEventId();
  afterEnd(w, settings, task, first, firstEnd, 'SUCCESS', null);
  // The scheduler sees tick 1 end and starts the run that waited for it.
  const released = new Date(firstEnd.getTime() + 150);
  w.append(executionStream(second.executionId), [{ type: 'ExecutionReleased', data: { ...second, at: released.toISOString(), after: first.executionId } }], {
    actor: 'system:scheduler', at: released, correlationId: second.executionId, causationId: firstEnded,
  });
  const secondStart = new Date(released.getTime() + 3_000);
  claim(w, task, second, 'worker-b', secondStart);

  updateTask(w, new Date(tickAt(12).getTime() + 40 * MINUTE), task, { overlap: { mode: 'forbid' } }, project.admin.id);
  const fourth = createTick(w, task, tickAt(13), 'ExecutionSkipped', { cause: 'previous_run_open', blockingExecutionId: second.executionId, limit: null });
  afterEnd(w, settings, task, fourth, tickAt(13), 'SKIPPED', overlapReason({ cause: 'previous_run_open', blockingExecutionId: second.executionId, limit: null }));

  const secondEnd = new Date(tickAt(13).getTime() + 10 * MINUTE);
  succeed(w, task, second, secondStart, secondEnd);
  afterEnd(w, settings, task, second, secondEnd, 'SUCCESS', null);
  setTaskStatus(w, new Date(tickAt(13).getTime() + 30 * MINUTE), task, 'DISABLED');
}

/** A tick's execution as the scheduler creates it: with an overlap decision, in the same append. */
function createTick(w: HistoryWriter, task: Task, tick: Date, held?: 'ExecutionQueued' | 'ExecutionSkipped', reason?: OverlapReason): ExecutionRef {
  const executionId = tickExecutionId(task.id, tick.toISOString());
  const ref: ExecutionRef = { executionId, taskId: task.id, projectId: task.project.id };
  const def = task.definition;
  const createdAt = new Date(tick.getTime() + 120);
  task.executions.push({ id: executionId, createdAt });
  w.append(executionStream(executionId), [
    {
      type: 'ExecutionCreated',
      data: {
        ...ref, taskName: def.name, scheduledAt: tick.toISOString(), triggerType: 'SCHEDULED', attempt: 1, executionMode: def.executionMode,
        timeoutSeconds: def.timeoutSeconds, startDeadlineSeconds: def.startDeadlineSeconds, createdAt: createdAt.toISOString(),
      },
    },
    ...(held === undefined ? [] : [heldEvent(held, { ...ref, at: createdAt.toISOString(), ...reason! })]),
  ], { actor: 'system:scheduler', at: createdAt, correlationId: executionId, causationId: task.causationId });
  return ref;
}

function heldEvent(type: 'ExecutionQueued' | 'ExecutionSkipped', data: ExecutionSkipped['data']): ExecutionQueued | ExecutionSkipped {
  return type === 'ExecutionQueued' ? { type, data } : { type, data };
}

/** A pull worker claims the run and confirms its claim. */
function claim(w: HistoryWriter, task: Task, ref: ExecutionRef, worker: string, at: Date): void {
  const key = task.project.ingestKey;
  w.append(executionStream(ref.executionId), [{ type: 'ExecutionStarted', data: { ...ref, at: at.toISOString(), claimedBy: worker } }], { actor: key, at, correlationId: ref.executionId });
  const confirmed = new Date(at.getTime() + 300);
  w.append(executionStream(ref.executionId), [{ type: 'ExecutionClaimConfirmed', data: { ...ref, claimedBy: worker, at: confirmed.toISOString() } }], { actor: key, at: confirmed, correlationId: ref.executionId });
}

function succeed(w: HistoryWriter, task: Task, ref: ExecutionRef, startedAt: Date, at: Date): void {
  const key = task.project.ingestKey;
  const logged = new Date(startedAt.getTime() + 2_000);
  w.append(executionLogStream(ref.executionId), [{
    type: 'ExecutionLogsAppended',
    data: { ...ref, lines: [{ message: 'rolling up the last hour', level: 'info', timestamp: null, receivedAt: logged.toISOString() }] },
  }], { actor: key, at: logged, correlationId: ref.executionId });
  w.append(executionStream(ref.executionId), [{
    type: 'ExecutionSucceeded', data: { ...ref, at: at.toISOString(), exitCode: 0, durationMs: at.getTime() - startedAt.getTime(), metrics: null },
  }], { actor: key, at, correlationId: ref.executionId });
}
