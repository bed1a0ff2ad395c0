import { DELETION_CATEGORY, type ExecutionsPurged } from '../events/deletion-events';
import { DISPATCH_EVENT_TYPES, type DispatchEvent } from '../events/dispatch-events';
import { isEventOf } from '../events/event';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent } from '../events/execution-events';
import { RETENTION_CATEGORY } from '../events/retention-events';
import { STREAM_CATEGORIES, streamPrefix } from '../events/streams';
import { TASK_EVENT_TYPES, type TaskEvent } from '../events/task-events';
import type { Doc, WriteOperation } from '../stores/read/read-store';
import type { Projection, ProjectionReader } from './projection';

export const CLAIMS_PROJECTION = 'claims';
export const CLAIMABLE = 'claimable';

/**
 * A pull-mode execution a worker may still claim: PENDING (`claimedAt` null), or claimed but not yet
 * confirmed by the claimer's RUNNING report (the claim lapses after its lease; the execution decider
 * decides whether it has). Started, confirmed and ended executions leave the model, so it stays small
 * however long the history.
 */
export interface ClaimableDoc extends Doc {
  projectId: string;
  taskId: string;
  taskName: string;
  scheduledAt: string;
  attempt: number;
  createdAt: string;
  claimedBy: string | null;
  claimedAt: string | null;
  /**
   * Present while the execution is QUEUED (overlap policy): not claimable until ExecutionReleased
   * removes it. Absent on every other document, so histories without queued runs build the same model.
   */
  queuedAt?: string;
}

/** Pending pull executions per project, oldest first, for POST …/executions/claim. */
export const claimsProjection: Projection = {
  name: CLAIMS_PROJECTION,
  version: 1,
  readsMetadata: false,
  collections: [
    {
      name: CLAIMABLE,
      indexes: [{ fields: [['projectId', 1], ['createdAt', 1]] }, { fields: [['projectId', 1], ['claimedAt', 1]] }, { fields: [['taskId', 1]] }],
    },
  ],
  filter: {
    streamPrefixes: [...[STREAM_CATEGORIES.execution, STREAM_CATEGORIES.task].map(streamPrefix), `${DELETION_CATEGORY}-`, `${RETENTION_CATEGORY}-`],
  },
  async handle(event, reader) {
    if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return executionChange(event, reader);
    if (isEventOf<DispatchEvent>(DISPATCH_EVENT_TYPES, event)) {
      return event.type === 'ExecutionClaimConfirmed' ? [{ op: 'delete', collection: CLAIMABLE, id: event.data.executionId }] : [];
    }
    if (isEventOf<TaskEvent>(TASK_EVENT_TYPES, event)) {
      // A task being deleted hands out no more work.
      if (event.type === 'TaskDeletionRequested' || event.type === 'TaskDeleted') {
        return [{ op: 'deleteMany', collection: CLAIMABLE, filter: { taskId: event.data.taskId } }];
      }
      return [];
    }
    if (event.type === 'ExecutionsPurged') {
      return (event as unknown as ExecutionsPurged).data.executionIds.map((id) => ({ op: 'delete', collection: CLAIMABLE, id }));
    }
    return [];
  },
};

async function executionChange(event: ExecutionEvent, reader: ProjectionReader): Promise<WriteOperation[]> {
  const id = event.data.executionId;
  switch (event.type) {
    case 'ExecutionCreated': {
      const { executionMode, triggerType, projectId, taskId, taskName, scheduledAt, attempt, createdAt } = event.data;
      if (executionMode !== 'pull' || triggerType === 'EXTERNAL') return [];
      const doc: ClaimableDoc = { id, projectId, taskId, taskName, scheduledAt, attempt, createdAt, claimedBy: null, claimedAt: null };
      return [{ op: 'upsert', collection: CLAIMABLE, id, doc }];
    }
    case 'ExecutionRetryStarted': {
      // The next attempt is claimable again, in the queue from when it began.
      const { executionMode, projectId, taskId, taskName, scheduledAt, attempt, at } = event.data;
      if (executionMode !== 'pull') return [];
      const doc: ClaimableDoc = { id, projectId, taskId, taskName, scheduledAt, attempt, createdAt: at, claimedBy: null, claimedAt: null };
      return [{ op: 'upsert', collection: CLAIMABLE, id, doc }];
    }
    case 'ExecutionStarted': {
      if (!(await reader.get<ClaimableDoc>(CLAIMABLE, id))) return [];
      const { claimedBy, at } = event.data;
      // A claim keeps it here until confirmed; a RUNNING report (no claimer) means it runs for good.
      if (claimedBy === null) return [{ op: 'delete', collection: CLAIMABLE, id }];
      return [{ op: 'set', collection: CLAIMABLE, id, fields: { claimedBy, claimedAt: at } }];
    }
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionCancelled':
    case 'ExecutionTimedOut':
    case 'ExecutionMissed':
    case 'ExecutionSkipped':
    case 'ExecutionAttemptFailed':
      return [{ op: 'delete', collection: CLAIMABLE, id }];
    case 'ExecutionQueued':
    case 'ExecutionReleased': {
      const doc = await reader.get<ClaimableDoc>(CLAIMABLE, id);
      if (!doc) return [];
      const { queuedAt: _queuedAt, ...claimable } = doc;
      return [{ op: 'upsert', collection: CLAIMABLE, id, doc: event.type === 'ExecutionQueued' ? { ...claimable, queuedAt: event.data.at } : claimable }];
    }
    default:
      return [];
  }
}
