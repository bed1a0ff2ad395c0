import { EXECUTION_EVENT_TYPES, type ExecutionEvent } from '../events/execution-events';
import { EXECUTION_LOG_EVENT_TYPES, type ExecutionLogsAppended } from '../events/execution-log-events';
import { isEventOf } from '../events/event';
import { DELETION_CATEGORY, type ExecutionsPurged, type TaskPurgeRequested } from '../events/deletion-events';
import { RETENTION_CATEGORY } from '../events/retention-events';
import { STREAM_CATEGORIES, streamPrefix } from '../events/streams';
import type { WriteOperation } from '../stores/read/read-store';
import { type Awaitable, type Projection, type ProjectionReader, thenOrNow } from './projection';
import { evolveExecutionDoc, type ExecutionDoc } from './execution-read-model';
import { logChunkDoc, logChunkIds, messageBytes } from './log-read-model';

export const HISTORY_PROJECTION = 'history';
export const EXECUTIONS = 'executions';
export const LOG_CHUNKS = 'logchunks';

/**
 * Executions and their log lines. Lines are numbered per execution in the order their batches were
 * stored (`executionlog-<id>` is appended with `any`, so stream order is arrival order). Each batch is
 * stored as it came, as one chunk of lines (log-read-model.ts), whose id sorts by execution and then
 * by first line: the id index pages an execution's log from either end, or from any line, with one
 * index seek, however long.
 */
export const historyProjection: Projection = {
  name: HISTORY_PROJECTION,
  // 2: indexes by scheduled instant (with and without status) for the history-range queries; the documents are unchanged.
  // 3: log lines stored one chunk per batch (`logchunks`) instead of one document per line (`logs`):
  //    a rebuild wrote ~100 rows per log event, which dominated its time and the size of read.db.
  version: 3,
  readsMetadata: false,
  collections: [
    {
      name: EXECUTIONS,
      indexes: [
        { fields: [['taskId', 1], ['createdAt', -1]] },
        { fields: [['projectId', 1], ['createdAt', -1]] },
        { fields: [['projectId', 1], ['scheduledAt', -1]] },
        { fields: [['taskId', 1], ['scheduledAt', -1]] },
        { fields: [['projectId', 1], ['status', 1], ['scheduledAt', -1]] },
        { fields: [['taskId', 1], ['status', 1], ['scheduledAt', -1]] },
      ],
    },
    // No index but the id's: chunk ids sort by execution, then firstSeq (logChunkId). The
    // (executionId, firstSeq) index an earlier build declared is dropped when the server starts.
    { name: LOG_CHUNKS, indexes: [] },
  ],
  filter: {
    streamPrefixes: [
      ...[STREAM_CATEGORIES.execution, STREAM_CATEGORIES.executionLog].map(streamPrefix),
      // Purges by the deletion saga and the retention manager.
      `${DELETION_CATEGORY}-`,
      `${RETENTION_CATEGORY}-`,
    ],
  },
  handle(event, reader) {
    if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return executionChange(event, reader);
    if (isEventOf<ExecutionLogsAppended>(EXECUTION_LOG_EVENT_TYPES, event)) return logsAppended(event, reader);
    if (event.type === 'ExecutionsPurged') return executionsPurged(event as unknown as ExecutionsPurged);
    if (event.type === 'TaskPurgeRequested') return taskPurged(event as unknown as TaskPurgeRequested);
    return [];
  },
};

/**
 * A purge (task deletion or retention): the executions and all their log lines leave the model. Later
 * events of a purged execution find no document and change nothing (see evolveExecutionDoc).
 */
function executionsPurged(event: ExecutionsPurged): WriteOperation[] {
  const ids = event.data.executionIds;
  return [
    ...ids.map((id): WriteOperation => ({ op: 'delete', collection: EXECUTIONS, id })),
    // One range of the id index per execution.
    ...ids.map((id): WriteOperation => ({ op: 'deleteMany', collection: LOG_CHUNKS, filter: { id: logChunkIds(id) } })),
  ];
}

/** The deletion saga's catch-all once its chunks are applied: nothing of the task's executions stays. */
function taskPurged(event: TaskPurgeRequested): WriteOperation[] {
  return [{ op: 'deleteMany', collection: EXECUTIONS, filter: { taskId: event.data.taskId } }];
}

function executionChange(event: ExecutionEvent, reader: ProjectionReader): Awaitable<WriteOperation[]> {
  const id = event.data.executionId;
  // A creation makes the document from the event alone: no read (in a rebuild, one per execution, all misses).
  // Otherwise the batch's own document, not a copy: evolveExecutionDoc never changes it, and a document
  // it gets is always written back (the next one is never null then).
  const current = event.type === 'ExecutionCreated' ? null : reader.getForUpdate<ExecutionDoc>(EXECUTIONS, id);
  return thenOrNow(current, (doc): WriteOperation[] => {
    const next = evolveExecutionDoc(doc, event);
    return next ? [{ op: 'upsert', collection: EXECUTIONS, id, doc: next }] : [];
  });
}

/** A batch of lines becomes one chunk, numbered on from the execution's current count. */
function logsAppended(event: ExecutionLogsAppended, reader: ProjectionReader): Awaitable<WriteOperation[]> {
  const { executionId, lines } = event.data;
  if (lines.length === 0) return []; // nothing to number: no empty chunk
  return thenOrNow(reader.get<ExecutionDoc>(EXECUTIONS, executionId), (execution): WriteOperation[] => {
    if (!execution) return []; // purged: its lines go with it
    const first = execution.logsCount;
    // Lines are the current attempt's: the batch was stored while it ran (an earlier attempt's late lines count as the current one's).
    const chunk = logChunkDoc(executionId, first, lines, execution.attempt);
    return [
      { op: 'upsert', collection: LOG_CHUNKS, id: chunk.id, doc: chunk },
      {
        op: 'set',
        collection: EXECUTIONS,
        id: executionId,
        fields: { logsCount: first + lines.length, logsBytes: execution.logsBytes + messageBytes(lines) },
      },
    ];
  });
}
