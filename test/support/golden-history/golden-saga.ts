import { deletionStream } from '../../../src/events/deletion-events';
import { retentionStream } from '../../../src/events/retention-events';
import { projectStream, taskNameStream, taskStream } from '../../../src/events/streams';
import type { HistoryWriter } from './history-writer';
import type { Project, Task, User } from './golden-world';

const SECOND = 1000;
const CHUNK = 200;

/** DELETE of a task: PENDING_DELETE on the task's stream; returns the request's position (the saga starts from it). */
export function requestDeletion(w: HistoryWriter, at: Date, task: Task, by: User): string {
  task.status = 'PENDING_DELETE';
  return w.append(taskStream(task.id), [{ type: 'TaskDeletionRequested', data: { taskId: task.id, projectId: task.project.id, requestedBy: by.id, requestedAt: at.toISOString() } }], { actor: by.id, at });
}

/**
 * The deletion saga on `deletion-<taskId>`, as the deletion manager writes it. `failPurge`: the purge
 * step fails until the saga gives up (TaskDeletionAbandoned, the task DELETE_FAILED); a new request
 * retries it from there (attempt 2).
 */
export function deletionSaga(w: HistoryWriter, at: Date, task: Task, by: User, requestPosition: string, attempt: number, failPurge: boolean): Date {
  const ref = { taskId: task.id, projectId: task.project.id };
  const stream = deletionStream(task.id);
  let now = new Date(at.getTime() + 500);
  const causationId = w.id();
  const context = () => ({ actor: 'system:deletion', at: now, causationId });
  const next = (ms: number) => (now = new Date(now.getTime() + ms));
  const requestedAt = at.toISOString();
  w.append(stream, [{ type: 'TaskDeletionStarted', data: { ...ref, taskName: task.definition.name, requestedBy: by.id, requestedAt, requestPosition, attempt, at: now.toISOString() } }], context());
  if (attempt === 1) {
    next(200);
    w.append(stream, [{ type: 'DeletionStepCompleted', data: { ...ref, step: 'unschedule', at: now.toISOString(), detail: {} } }], context());
  }
  if (failPurge) {
    for (let failures = 1; failures <= 3; failures++) {
      next(failures * 5 * SECOND);
      const retryAt = failures < 3 ? new Date(now.getTime() + failures * 10 * SECOND).toISOString() : null;
      w.append(stream, [{ type: 'DeletionStepFailed', data: { ...ref, step: 'purge', reason: 'projections did not catch up within 60 s', failures, retryAt, at: now.toISOString() } }], context());
    }
    w.append(stream, [{ type: 'TaskDeletionAbandoned', data: { ...ref, step: 'purge', reason: 'projections did not catch up within 60 s', at: now.toISOString() } }], context());
    task.status = 'DELETE_FAILED';
    w.append(taskStream(task.id), [{ type: 'TaskDeletionFailed', data: { ...ref, reason: 'purge: projections did not catch up within 60 s', failedAt: now.toISOString() } }], context());
    return now;
  }
  const ids = task.executions.map((e) => e.id);
  for (let from = 0; from < ids.length; from += CHUNK) {
    next(300);
    w.append(stream, [{ type: 'ExecutionsPurged', data: { projectId: task.project.id, taskId: task.id, executionIds: ids.slice(from, from + CHUNK), taskIds: [task.id], reason: 'task-deleted', at: now.toISOString() } }], context());
  }
  next(100);
  w.append(stream, [{ type: 'TaskPurgeRequested', data: { ...ref, at: now.toISOString() } }], context());
  next(2 * SECOND);
  w.append(stream, [{ type: 'DeletionStepCompleted', data: { ...ref, step: 'purge', at: now.toISOString(), detail: { executions: ids.length } } }], context());
  next(1 * SECOND);
  w.append(stream, [{ type: 'DeletionStepCompleted', data: { ...ref, step: 'tombstone', at: now.toISOString(), detail: { streams: ids.length * 2 } } }], context());
  next(300);
  const deletedAt = now.toISOString();
  w.append(taskStream(task.id), [{ type: 'TaskDeleted', data: { ...ref, deletedAt } }], context());
  w.append(projectStream(task.project.id), [{ type: 'ProjectTaskDeleted', data: { ...ref, name: task.definition.name, deletedBy: by.id, requestedAt, deletedAt } }], context());
  w.append(taskNameStream(task.project.id, task.definition.name), [{ type: 'NameReleased', data: { ownerId: task.id } }], context());
  w.append(stream, [{ type: 'DeletionStepCompleted', data: { ...ref, step: 'mark-deleted', at: now.toISOString(), detail: {} } }], context());
  w.append(stream, [{ type: 'TaskDeletionCompleted', data: { ...ref, taskName: task.definition.name, deletedBy: by.id, executionsPurged: ids.length, at: now.toISOString() } }], context());
  task.status = 'DELETED';
  task.project.tasks = task.project.tasks.filter((t) => t !== task);
  return now;
}

/** One sweep of the retention manager (hourly) over a project: executions created before the cutoff go, in chunks. */
export function applyRetention(w: HistoryWriter, at: Date, project: Project): void {
  const days = project.retentionDays!;
  const cutoff = new Date(at.getTime() - days * 86_400_000);
  const old = project.tasks.flatMap((task) => task.executions.filter((e) => e.createdAt < cutoff).map((e) => ({ task, id: e.id })));
  // A sweep that finds nothing records nothing.
  if (old.length === 0) return;
  const stream = retentionStream(project.id);
  const causationId = w.id();
  let now = at;
  for (let from = 0; from < old.length; from += CHUNK) {
    const chunk = old.slice(from, from + CHUNK);
    now = new Date(now.getTime() + 400);
    w.append(stream, [{
      type: 'ExecutionsPurged',
      data: { projectId: project.id, taskId: null, executionIds: chunk.map((e) => e.id), taskIds: [...new Set(chunk.map((e) => e.task.id))].sort(), reason: 'retention', at: now.toISOString() },
    }], { actor: 'system:retention', at: now, causationId });
  }
  for (const task of project.tasks) task.executions = task.executions.filter((e) => e.createdAt >= cutoff);
  now = new Date(now.getTime() + 1000);
  w.append(stream, [{
    type: 'RetentionApplied',
    data: { projectId: project.id, retentionDays: days, cutoff: cutoff.toISOString(), executionsRemoved: old.length, streamsTombstoned: old.length * 2, startedAt: at.toISOString(), at: now.toISOString() },
  }], { actor: 'system:retention', at: now, causationId });
}
