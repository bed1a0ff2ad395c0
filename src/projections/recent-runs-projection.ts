import { DELETION_CATEGORY, type ExecutionsPurged, type TaskPurgeRequested } from '../events/deletion-events';
import { isEventOf } from '../events/event';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent, type ExecutionStatus, type TriggerType } from '../events/execution-events';
import { RETENTION_CATEGORY } from '../events/retention-events';
import { STREAM_CATEGORIES, streamPrefix } from '../events/streams';
import type { Doc, WriteOperation } from '../stores/read/read-store';
import { type ExecutionDoc, evolveExecutionDoc } from './execution-read-model';
import type { Projection, ProjectionReader } from './projection';

export const RECENT_RUNS_PROJECTION = 'recentruns';
/** RecentRunsDoc, one per task. */
export const RECENT_RUNS = 'rings';
/** How many of a task's newest executions its ring keeps. */
export const RECENT_RUNS_KEPT = 20;

/** One execution in a ring: what an overview's run mark shows, and what its duration is measured from. */
export interface RecentRun {
  id: string;
  status: ExecutionStatus;
  triggerType: TriggerType;
  scheduledAt: string;
  createdAt: string;
  runStartedAt: string | null;
  /** When the current attempt began, when it is not the first. */
  attemptStartedAt?: string;
  endedAt: string | null;
  durationMs: number | null;
}

/** A task's newest executions, newest (by creation) first, at most RECENT_RUNS_KEPT. */
export interface RecentRunsDoc extends Doc {
  projectId: string;
  runs: RecentRun[];
}

/**
 * The last executions of every task, kept as a small ring per task on execution events, so an overview
 * of many tasks reads one document per task and never the execution history. An execution that falls
 * out of the ring is forgotten: its later events change nothing here.
 */
export const recentRunsProjection: Projection = {
  name: RECENT_RUNS_PROJECTION,
  version: 1,
  readsMetadata: false,
  collections: [{ name: RECENT_RUNS, indexes: [{ fields: [['projectId', 1]] }] }],
  filter: {
    streamPrefixes: [streamPrefix(STREAM_CATEGORIES.execution), `${DELETION_CATEGORY}-`, `${RETENTION_CATEGORY}-`],
  },
  async handle(event, reader) {
    if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return executionChange(event, reader);
    if (event.type === 'ExecutionsPurged') return executionsPurged(event as unknown as ExecutionsPurged, reader);
    if (event.type === 'TaskPurgeRequested') return [{ op: 'delete', collection: RECENT_RUNS, id: (event as unknown as TaskPurgeRequested).data.taskId }];
    return [];
  },
};

/** The ring's fields of an execution document (the same folding as the history read model's). */
function recentRunOf(doc: ExecutionDoc): RecentRun {
  const { id, status, triggerType, scheduledAt, createdAt, runStartedAt, attemptStartedAt, endedAt, durationMs } = doc;
  return { id, status, triggerType, scheduledAt, createdAt, runStartedAt, ...(attemptStartedAt === undefined ? {} : { attemptStartedAt }), endedAt, durationMs };
}

async function executionChange(event: ExecutionEvent, reader: ProjectionReader): Promise<WriteOperation[]> {
  const { taskId, projectId, executionId } = event.data;
  if (event.type === 'ExecutionCreated') {
    // Always written back: the batch's own document (a busy task's ring changes with every execution).
    const ring = (await reader.getForUpdate<RecentRunsDoc>(RECENT_RUNS, taskId)) ?? { id: taskId, projectId, runs: [] };
    const created = recentRunOf(evolveExecutionDoc(null, event) as ExecutionDoc);
    ring.runs = [created, ...ring.runs.filter((run) => run.id !== executionId)].slice(0, RECENT_RUNS_KEPT);
    return [{ op: 'upsert', collection: RECENT_RUNS, id: taskId, doc: ring }];
  }
  // A copy: most later events of an execution that left the ring change nothing.
  const ring = await reader.get<RecentRunsDoc>(RECENT_RUNS, taskId);
  const index = ring?.runs.findIndex((run) => run.id === executionId) ?? -1;
  if (!ring || index < 0) return [];
  const next = evolveExecutionDoc(ring.runs[index] as unknown as ExecutionDoc, event);
  if (!next) return [];
  ring.runs[index] = recentRunOf(next);
  return [{ op: 'upsert', collection: RECENT_RUNS, id: taskId, doc: ring }];
}

/** Purged executions leave their tasks' rings (the chunk lists its tasks). */
async function executionsPurged(event: ExecutionsPurged, reader: ProjectionReader): Promise<WriteOperation[]> {
  const purged = new Set(event.data.executionIds);
  const operations: WriteOperation[] = [];
  for (const taskId of new Set([...event.data.taskIds, ...(event.data.taskId ? [event.data.taskId] : [])])) {
    const ring = await reader.get<RecentRunsDoc>(RECENT_RUNS, taskId);
    if (!ring) continue;
    const runs = ring.runs.filter((run) => !purged.has(run.id));
    if (runs.length === ring.runs.length) continue;
    ring.runs = runs;
    operations.push({ op: 'upsert', collection: RECENT_RUNS, id: taskId, doc: ring });
  }
  return operations;
}
