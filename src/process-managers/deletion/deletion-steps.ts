import type { AppServices } from '../../app-services';
import type { CommandContext } from '../../commands/command-context';
import { deletionDecider } from '../../commands/deletion/deletion-decider';
import type { DeletionSaga } from '../../commands/deletion/deletion-state';
import { handleCommand, toNewEvent } from '../../commands/handle-command';
import { taskNameDecider } from '../../commands/name-reservation/name-reservation-decider';
import { releaseName } from '../../commands/name-reservation/reserve-name';
import { taskDecider } from '../../commands/task/task-decider';
import { GoneError, NotFoundError } from '../../errors/app-error';
import { StreamDeletedError } from '../../errors/store-errors';
import { deletionStream, type ExecutionsPurged, type ProjectTaskDeleted } from '../../events/deletion-events';
import { executionLogStream, executionStream, projectStream, taskNameStream, taskStream } from '../../events/streams';
import type { ExecutionDoc } from '../../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../../projections/history-projection';
import type { EventStore, Position } from '../../stores/events/event-store';
import { processManagerCheckpoint } from '../manager-loop';

export type StepServices = Pick<AppServices, 'events' | 'reads' | 'registry' | 'projections' | 'clock'>;

export interface AckSettings {
  /** Longest real-time wait for an acknowledgement (scheduler checkpoint, projections) before the step fails. */
  timeoutMs: number;
  /** How often the scheduler's checkpoint is read while waiting. */
  pollMs: number;
}

/** Executions per ExecutionsPurged chunk (ids only: well under the store's event size limit). */
export const PURGE_CHUNK = 500;
/** Tombstones issued at once (the embedded store group-commits them). */
const TOMBSTONE_BATCH = 64;
export const SCHEDULER_MANAGER = 'scheduler';

/**
 * (a) unschedule. The acknowledgement is "the scheduler has processed the TaskDeletionRequested": its
 * process-manager checkpoint (saved after each batch it has applied) is at or past the request's
 * position. From then on its state has the task as PENDING_DELETE, which never fires. When no
 * scheduler is registered in this server there is nothing to acknowledge.
 */
export async function acknowledgeUnscheduled(
  services: StepServices,
  saga: DeletionSaga,
  schedulerRuns: boolean,
  ack: AckSettings,
): Promise<Record<string, number>> {
  if (!schedulerRuns) return { scheduler: 0 };
  const target = Number(saga.requestPosition);
  const deadline = Date.now() + ack.timeoutMs;
  for (;;) {
    const checkpoint = await services.reads.getCheckpoint(processManagerCheckpoint(SCHEDULER_MANAGER));
    if (checkpoint !== null && checkpoint >= target) return { scheduler: 1 };
    if (Date.now() >= deadline) {
      throw new Error(`The scheduler has not acknowledged the deletion request (position ${target}) within ${ack.timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, ack.pollMs).unref());
  }
}

/**
 * (b) purge. The task's executions are listed from the history read model (after the projections have
 * caught up with the store, so a run created just before the request is included), a chunk at a
 * time; each chunk is recorded as ExecutionsPurged on the saga's stream (the history projection drops
 * the executions and their log lines) and waited for before the next is listed. Then
 * TaskPurgeRequested, waited for too: the step is acknowledged once every projection has passed it.
 * Resumable: a restart lists what is still there.
 */
export async function purgeReadModels(
  services: StepServices,
  saga: DeletionSaga,
  context: CommandContext,
  ack: AckSettings,
): Promise<Record<string, number>> {
  const { events, reads, registry, projections, clock } = services;
  const stream = deletionStream(saga.taskId);
  await projections.waitForPosition(await events.headPosition(), ack.timeoutMs);
  const collection = () => registry.collection(HISTORY_PROJECTION, EXECUTIONS);
  const seen = new Set<string>();
  let purged = 0;
  for (;;) {
    const { items } = await reads.find<ExecutionDoc>(collection(), { filter: { taskId: saga.taskId }, sort: [['createdAt', 1]], limit: PURGE_CHUNK });
    if (items.length === 0) break;
    if (items.some((item) => seen.has(item.id))) throw new Error('The history read model still holds executions it was told to purge');
    const executionIds = items.map((item) => item.id);
    const outcome = await handleCommand(
      events,
      clock,
      stream,
      deletionDecider,
      { type: 'RecordExecutionsPurged', executionIds, taskIds: [saga.taskId], at: clock.now().toISOString() },
      context,
    );
    await projections.waitForPosition(outcome.position, ack.timeoutMs);
    for (const id of executionIds) seen.add(id);
    purged += executionIds.length;
  }
  const outcome = await handleCommand(events, clock, stream, deletionDecider, { type: 'RequestTaskPurge', at: clock.now().toISOString() }, context);
  await projections.waitForPosition(outcome.position, ack.timeoutMs);
  return { executions: purged };
}

/**
 * (c) tombstone the execution and log streams of every execution the purge chunks list (all attempts,
 * so a retried saga also covers what an earlier attempt purged). Tombstoning is idempotent here: an
 * already tombstoned stream counts as done, and a log stream that never existed is tombstoned anyway,
 * so a late log line cannot create it.
 */
export async function tombstoneExecutions(services: StepServices, saga: DeletionSaga): Promise<Record<string, number>> {
  const ids = await purgedExecutionIds(services.events, saga.taskId);
  const streams = await tombstoneExecutionStreams(services.events, ids);
  return { executions: ids.length, streams };
}

/** Tombstones `execution-<id>` and `executionlog-<id>` of each id, a batch at a time; returns the number of streams. */
export async function tombstoneExecutionStreams(events: EventStore, executionIds: string[]): Promise<number> {
  let streams = 0;
  for (let i = 0; i < executionIds.length; i += TOMBSTONE_BATCH) {
    const batch = executionIds.slice(i, i + TOMBSTONE_BATCH).flatMap((id) => [executionStream(id), executionLogStream(id)]);
    await Promise.all(batch.map((stream) => tombstone(events, stream)));
    streams += batch.length;
  }
  return streams;
}

/**
 * (d) mark deleted: TaskDeleted on the task's stream (its last event: the task leaves the read models,
 * GET answers 404), the audit record on the project's stream, the task's stream tombstoned (its audit
 * answers 410), its name released for reuse. Each part is idempotent, so a retry redoes only what is missing.
 */
export async function markDeleted(services: StepServices, saga: DeletionSaga, context: CommandContext): Promise<Record<string, number>> {
  const { events, clock } = services;
  const at = clock.now().toISOString();
  try {
    await handleCommand(events, clock, taskStream(saga.taskId), taskDecider, { type: 'CompleteTaskDeletion', at }, context);
  } catch (err) {
    if (!(err instanceof StreamDeletedError)) throw err; // tombstoned: an earlier try got past this point
  }
  await recordAudit(events, saga, context, services);
  await tombstone(events, taskStream(saga.taskId));
  await releaseName(services, taskNameStream(saga.projectId, saga.taskName), taskNameDecider, saga.taskId, context);
  return {};
}

/** `ProjectTaskDeleted` on the project's stream, once: a retry first looks for it among the events since the request. */
async function recordAudit(events: EventStore, saga: DeletionSaga, context: CommandContext, services: StepServices): Promise<void> {
  const stream = projectStream(saga.projectId);
  if (await auditRecorded(events, stream, saga)) return;
  const record: ProjectTaskDeleted = {
    type: 'ProjectTaskDeleted',
    data: {
      projectId: saga.projectId,
      taskId: saga.taskId,
      name: saga.taskName,
      deletedBy: saga.requestedBy,
      requestedAt: saga.requestedAt,
      deletedAt: services.clock.now().toISOString(),
    },
  };
  try {
    await events.append(stream, [toNewEvent(record, context, services.clock)], 'stream_exists');
  } catch (err) {
    // A deleted project keeps no audit; the task is gone with it.
    if (!(err instanceof GoneError) && !(err instanceof NotFoundError)) throw err;
  }
}

async function auditRecorded(events: EventStore, stream: string, saga: DeletionSaga): Promise<boolean> {
  const since = Number(saga.requestPosition);
  let from: number | 'end' = 'end';
  for (;;) {
    let page;
    try {
      page = await events.readStream(stream, { direction: 'backwards', fromRevision: from, maxCount: 100 });
    } catch (err) {
      if (err instanceof GoneError || err instanceof NotFoundError) return false;
      throw err;
    }
    for (const event of page) {
      if (event.type === 'ProjectTaskDeleted' && (event.data as ProjectTaskDeleted['data']).taskId === saga.taskId) return true;
      if (event.position < since) return false;
    }
    const oldest = page.at(-1);
    if (!oldest || oldest.revision === 0) return false;
    from = oldest.revision - 1;
  }
}

/** Every execution id listed by the saga's ExecutionsPurged chunks, read a page at a time. */
export async function purgedExecutionIds(events: EventStore, taskId: string): Promise<string[]> {
  const ids = new Set<string>();
  let from = 0;
  for (;;) {
    const page = await events.readStream(deletionStream(taskId), { fromRevision: from, maxCount: 200 });
    for (const event of page) {
      if (event.type === 'ExecutionsPurged') for (const id of (event.data as ExecutionsPurged['data']).executionIds) ids.add(id);
    }
    if (page.length < 200) return [...ids];
    from = page.at(-1)!.revision + 1;
  }
}

export async function tombstone(events: EventStore, stream: string): Promise<void> {
  try {
    await events.deleteStream(stream, 'any');
  } catch (err) {
    if (!(err instanceof StreamDeletedError)) throw err;
  }
}

export type { Position };
