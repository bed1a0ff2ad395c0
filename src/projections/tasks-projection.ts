import { EXECUTION_EVENT_TYPES, type ExecutionEvent } from '../events/execution-events';
import { isEventOf } from '../events/event';
import { DELETION_CATEGORY, type ExecutionsPurged } from '../events/deletion-events';
import { RETENTION_CATEGORY } from '../events/retention-events';
import { STREAM_CATEGORIES, streamPrefix } from '../events/streams';
import { TASK_EVENT_TYPES, type TaskEvent } from '../events/task-events';
import { TASK_GROUP_EVENT_TYPES, type TaskGroupEvent } from '../events/task-group-events';
import type { RecordedEvent } from '../stores/events/event-store';
import type { WriteOperation } from '../stores/read/read-store';
import type { Projection, ProjectionReader } from './projection';
import { statusAfter } from './execution-read-model';
import { evolveTaskDoc, type LastExecutionSummary, type TaskDoc } from './task-read-model';
import { evolveTaskGroupDoc, type TaskGroupDoc } from './task-group-read-model';

export const TASKS_PROJECTION = 'tasks';
export const TASKS = 'tasks';
export const TASK_GROUPS = 'groups';

/**
 * Tasks and task groups as the API lists them, each task with a summary of its newest execution.
 * Deleted tasks and groups leave the model (their history stays in the events and the audit trail).
 */
export const tasksProjection: Projection = {
  name: TASKS_PROJECTION,
  // 2: tasks carry `deletionError` (the reason of DELETE_FAILED).
  // 3: tasks and groups carry `revision` (of their own stream, for ETags).
  version: 3,
  readsMetadata: false,
  collections: [
    { name: TASKS, indexes: [{ fields: [['projectId', 1], ['createdAt', 1]] }, { fields: [['taskGroupId', 1]] }] },
    { name: TASK_GROUPS, indexes: [{ fields: [['projectId', 1], ['createdAt', 1]] }] },
  ],
  filter: {
    streamPrefixes: [
      ...[STREAM_CATEGORIES.task, STREAM_CATEGORIES.taskGroup, STREAM_CATEGORIES.execution].map(streamPrefix),
      // Purges by the deletion saga and the retention manager.
      `${DELETION_CATEGORY}-`,
      `${RETENTION_CATEGORY}-`,
    ],
  },
  async handle(event, reader) {
    if (isEventOf<TaskEvent>(TASK_EVENT_TYPES, event)) return taskChange(event, reader);
    if (isEventOf<TaskGroupEvent>(TASK_GROUP_EVENT_TYPES, event)) return groupChange(event, reader);
    if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return lastExecutionChange(event, reader);
    if (event.type === 'ExecutionsPurged') return lastExecutionPurged(event as unknown as ExecutionsPurged, reader);
    return [];
  },
};

/** A task whose newest execution was purged (retention) no longer shows it. */
async function lastExecutionPurged(event: ExecutionsPurged, reader: ProjectionReader): Promise<WriteOperation[]> {
  const purged = new Set(event.data.executionIds);
  const operations: WriteOperation[] = [];
  for (const taskId of event.data.taskIds) {
    const task = await reader.get<TaskDoc>(TASKS, taskId);
    if (task?.lastExecution && purged.has(task.lastExecution.executionId)) {
      operations.push({ op: 'set', collection: TASKS, id: taskId, fields: { lastExecution: null } });
    }
  }
  return operations;
}

async function taskChange(event: RecordedEvent & TaskEvent, reader: ProjectionReader): Promise<WriteOperation[]> {
  const id = event.data.taskId;
  const next = evolveTaskDoc(await reader.get<TaskDoc>(TASKS, id), event);
  return [next ? { op: 'upsert', collection: TASKS, id, doc: { ...next, revision: event.revision } } : { op: 'delete', collection: TASKS, id }];
}

async function groupChange(event: RecordedEvent & TaskGroupEvent, reader: ProjectionReader): Promise<WriteOperation[]> {
  const id = event.data.groupId;
  const next = evolveTaskGroupDoc(await reader.get<TaskGroupDoc>(TASK_GROUPS, id), event);
  return [next ? { op: 'upsert', collection: TASK_GROUPS, id, doc: { ...next, revision: event.revision } } : { op: 'delete', collection: TASK_GROUPS, id }];
}

/** The newest execution replaces the summary; later events of that same execution update it. */
async function lastExecutionChange(event: RecordedEvent & ExecutionEvent, reader: ProjectionReader): Promise<WriteOperation[]> {
  const { taskId, executionId } = event.data;
  const task = await reader.get<TaskDoc>(TASKS, taskId);
  if (!task) return []; // the task is gone; 'set' would create a stub
  const current = task.lastExecution;
  const summary = summarize(event, current?.executionId === executionId ? current : null);
  return summary ? [{ op: 'set', collection: TASKS, id: taskId, fields: { lastExecution: summary } }] : [];
}

function summarize(event: ExecutionEvent, current: LastExecutionSummary | null): LastExecutionSummary | null {
  if (event.type === 'ExecutionCreated') {
    const { executionId, triggerType, scheduledAt, createdAt } = event.data;
    return { executionId, status: 'PENDING', triggerType, scheduledAt, createdAt, endedAt: null };
  }
  const status = statusAfter(event);
  if (!current || !status) return null;
  // Open (waiting, running, between attempts, or a retry's new attempt): not ended.
  const open = status === 'RUNNING' || status === 'PENDING' || status === 'QUEUED' || status === 'RETRYING';
  return { ...current, status, endedAt: open ? null : event.data.at };
}
