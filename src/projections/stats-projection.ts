import { measuredDurationMs } from '../commands/execution/duration';
import { DELETION_CATEGORY, type ExecutionsPurged, type TaskPurgeRequested } from '../events/deletion-events';
import { isEventOf } from '../events/event';
import { EXECUTION_EVENT_TYPES, type ExecutionCreated, type ExecutionEvent } from '../events/execution-events';
import { PROJECT_EVENT_TYPES, type ProjectEvent } from '../events/project-events';
import { RETENTION_CATEGORY } from '../events/retention-events';
import { STREAM_CATEGORIES, streamPrefix } from '../events/streams';
import type { Doc, WriteOperation } from '../stores/read/read-store';
import { type Awaitable, type Projection, type ProjectionReader, thenOrNow } from './projection';
import {
  type EndCounter,
  STATS_GRANULARITIES,
  type StatsBucketDoc,
  type StatsGranularity,
  type StatsSeries,
  type TaskDayBucketDoc,
  type TaskDaysDoc,
  bucketKeysOf,
  countEnd,
  emptyCounters,
  failureDayId,
  subtractCounters,
  usableZone,
} from './stats-buckets';
import { bucketId } from './stats-bucket-ids';

export const STATS_PROJECTION = 'stats';
/** StatsBucketDoc, one per series, granularity and key. */
export const STATS_BUCKETS = 'buckets';
/** InflightDoc: executions created and not yet ended (what an end needs to find its buckets). */
export const STATS_INFLIGHT = 'inflight';
/** ProjectZoneDoc: each project's current time zone (for the `day` buckets). */
export const STATS_ZONES = 'zones';
/** FailureDayDoc: a task's failures on a UTC day. */
export const STATS_FAILURE_DAYS = 'failuredays';
/** TaskDaysDoc: the months a task has day buckets in. */
export const STATS_TASK_DAYS = 'taskdays';

/** Where an InflightDoc keeps its bucket ids while in memory (bucketIdsOf); JSON and BSON leave symbol keys out. */
const BUCKET_IDS = Symbol('bucket ids');

/** An execution between its creation and its end; deleted at the end, so this stays small. */
export interface InflightDoc extends Doc {
  [BUCKET_IDS]?: readonly string[];
  projectId: string;
  taskId: string;
  keys: Record<StatsGranularity, string>;
  /** The project's zone at creation (the `day` key's zone). */
  zone: string;
  createdAt: string;
  runStartedAt: string | null;
}

export interface ProjectZoneDoc extends Doc {
  timezone: string;
}

/**
 * Pre-aggregated execution counts and durations per project and per task, hourly in UTC and daily in
 * the project's zone (stats-buckets.ts has the bucketing rules). Built from event data only; a creation
 * or an end rewrites the four bucket documents it touches (two series × two granularities), so a range
 * query reads one document per bucket whatever the history's size.
 */
export const statsProjection: Projection = {
  name: STATS_PROJECTION,
  // 2: a task's bucket ids in time order within its project (bucketId): the same documents, other ids.
  version: 2,
  readsMetadata: false,
  collections: [
    // Queried by id only (bucketIdFilter, failureDayRange): no secondary index to maintain.
    { name: STATS_BUCKETS, indexes: [] },
    { name: STATS_INFLIGHT, indexes: [] },
    { name: STATS_ZONES, indexes: [] },
    { name: STATS_FAILURE_DAYS, indexes: [] },
    { name: STATS_TASK_DAYS, indexes: [] },
  ],
  filter: {
    streamPrefixes: [
      ...[STREAM_CATEGORIES.project, STREAM_CATEGORIES.execution].map(streamPrefix),
      // Purges by the deletion saga and the retention manager.
      `${DELETION_CATEGORY}-`,
      `${RETENTION_CATEGORY}-`,
    ],
  },
  handle(event, reader) {
    if (isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) return executionChange(event, reader);
    if (isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)) return projectChange(event);
    if (event.type === 'ExecutionsPurged') return executionsPurged(event as unknown as ExecutionsPurged);
    if (event.type === 'TaskPurgeRequested') return taskPurged(event as unknown as TaskPurgeRequested, reader);
    return [];
  },
};

function projectChange(event: ProjectEvent): WriteOperation[] {
  let timezone: string | undefined;
  if (event.type === 'ProjectCreated') timezone = event.data.timezone;
  else if (event.type === 'ProjectUpdated') timezone = event.data.changes.timezone;
  if (timezone === undefined) return [];
  const doc: ProjectZoneDoc = { id: event.data.projectId, timezone: usableZone(timezone) };
  return [{ op: 'upsert', collection: STATS_ZONES, id: doc.id, doc }];
}

/** The counter an event ends an execution in; null for events that do not end one. */
function endCounterOf(event: ExecutionEvent): EndCounter | null {
  switch (event.type) {
    case 'ExecutionSucceeded':
      return 'success';
    case 'ExecutionFailed':
      return 'failed';
    case 'ExecutionTimedOut':
      return 'timedOut';
    case 'ExecutionMissed':
      return 'missed';
    case 'ExecutionCancelled':
      return 'cancelled';
    default:
      return null;
  }
}

/** The instant an execution is bucketed by: its scheduled instant, or its creation for a manual run. */
export function bucketInstantOf(created: ExecutionCreated['data']): string {
  return created.triggerType === 'MANUAL' ? created.createdAt : created.scheduledAt;
}

function executionChange(event: ExecutionEvent, reader: ProjectionReader): Awaitable<WriteOperation[]> {
  const id = event.data.executionId;
  if (event.type === 'ExecutionCreated') {
    // Counted here, once: an execution's stream is created with no_stream, so this event exists once.
    const { projectId, taskId, createdAt } = event.data;
    return thenOrNow(reader.get<ProjectZoneDoc>(STATS_ZONES, projectId), (zoneDoc) => {
      const zone = usableZone(zoneDoc?.timezone);
      const keys = bucketKeysOf(Date.parse(bucketInstantOf(event.data)), zone);
      const inflight: InflightDoc = { id, projectId, taskId, keys, zone, createdAt, runStartedAt: null };
      return thenOrNow(
        updateBuckets(reader, inflight, (bucket) => {
          bucket.total += 1;
        }),
        (operations) => pushed(operations, { op: 'upsert', collection: STATS_INFLIGHT, id, doc: inflight }),
      );
    });
  }
  const counter = endCounterOf(event);
  if (counter === null && event.type !== 'ExecutionStarted' && event.type !== 'ExecutionSkipped' && event.type !== 'ExecutionRetryStarted') return [];
  // The batch's own document, not a copy: every branch of inflightChange writes it back (an upsert or a delete).
  return thenOrNow(reader.getForUpdate<InflightDoc>(STATS_INFLIGHT, id), (inflight) =>
    // Unknown here: already ended (a late report), or purged.
    inflight ? inflightChange(event, counter, inflight, reader) : [],
  );
}

function pushed(operations: WriteOperation[], operation: WriteOperation): WriteOperation[] {
  operations.push(operation);
  return operations;
}

/** A later event of an execution the projection knows to be in flight. */
function inflightChange(event: ExecutionEvent, counter: EndCounter | null, inflight: InflightDoc, reader: ProjectionReader): Awaitable<WriteOperation[]> {
  const id = inflight.id;
  if (event.type === 'ExecutionStarted') {
    inflight.runStartedAt = event.data.at;
    return [{ op: 'upsert', collection: STATS_INFLIGHT, id, doc: inflight }];
  }
  if (event.type === 'ExecutionSkipped') {
    // A skipped tick never ran: it is taken back out of `total` (created in the same append), so the
    // statistics count runs, and a forbid policy does not lower a task's success rate.
    const change = (bucket: StatsBucketDoc) => {
      bucket.total -= 1;
    };
    return thenOrNow(updateBuckets(reader, inflight, change), (operations) => pushed(operations, { op: 'delete', collection: STATS_INFLIGHT, id }));
  }
  if (event.type === 'ExecutionRetryStarted') {
    // Another attempt of the same execution: counted as an attempt, not as an execution; its duration counts from its start.
    const change = (bucket: StatsBucketDoc) => {
      bucket.retries = (bucket.retries ?? 0) + 1;
    };
    const at = event.data.at;
    return thenOrNow(updateBuckets(reader, inflight, change), (operations) => {
      inflight.createdAt = at;
      inflight.runStartedAt = null;
      return pushed(operations, { op: 'upsert', collection: STATS_INFLIGHT, id, doc: inflight });
    });
  }
  if (counter === null) return [];
  const durationMs = durationOf(event, inflight);
  return thenOrNow(
    updateBuckets(reader, inflight, (bucket) => countEnd(bucket, counter, durationMs)),
    (operations): WriteOperation[] => {
      operations.push({ op: 'delete', collection: STATS_INFLIGHT, id });
      if (counter === 'failed' || counter === 'timedOut' || counter === 'missed') {
        const day = inflight.keys.hour.slice(0, 10);
        operations.push({
          op: 'inc',
          collection: STATS_FAILURE_DAYS,
          id: failureDayId(inflight.projectId, day, inflight.taskId),
          fields: { failures: 1 },
          setOnInsert: { projectId: inflight.projectId, taskId: inflight.taskId, day },
        });
      }
      return operations;
    },
  );
}

/** The same duration the history read model shows (execution-read-model.ts): none for MISSED. */
function durationOf(event: ExecutionEvent, inflight: InflightDoc): number | null {
  switch (event.type) {
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
      return event.data.durationMs;
    case 'ExecutionCancelled':
    case 'ExecutionTimedOut':
      return measuredDurationMs(inflight, event.data.at);
    default:
      return null;
  }
}

const SERIES: readonly StatsSeries[] = ['project', 'task'];

/**
 * Applies `change` to each of the execution's four buckets, creating those that do not exist yet. A
 * task's day bucket lists the hours of its executions, and a task's new day widens its TaskDaysDoc,
 * so a deletion can find every bucket of the task. The four are read first, together: the batch holds
 * most of them, and then nothing waits.
 */
function updateBuckets(reader: ProjectionReader, inflight: InflightDoc, change: (bucket: StatsBucketDoc) => void): Awaitable<WriteOperation[]> {
  const ids = bucketIdsOf(inflight);
  const reads: Array<Awaitable<StatsBucketDoc | null>> = new Array(ids.length);
  let waits = false;
  for (let i = 0; i < ids.length; i++) {
    // Written back below: the batch's own document, not a copy (a project's buckets change with every execution).
    const read = reader.getForUpdate<StatsBucketDoc>(STATS_BUCKETS, ids[i]!);
    waits ||= read instanceof Promise;
    reads[i] = read;
  }
  const found = waits ? Promise.all(reads) : (reads as Array<StatsBucketDoc | null>);
  return thenOrNow(found, (buckets) => changeBuckets(inflight, ids, buckets, change));
}

/**
 * The ids of the execution's four buckets, in the order of SERIES, then STATS_GRANULARITIES. Kept on the
 * document under a symbol, which no store writes: an execution's end finds the very document its
 * creation made in the same batch (a rebuild), and building and hashing the four long ids again was a
 * tenth of what the rebuild allocated.
 */
function bucketIdsOf(inflight: InflightDoc): readonly string[] {
  const kept = inflight[BUCKET_IDS];
  if (kept) return kept;
  const ids: string[] = [];
  for (const series of SERIES) {
    const ref = { projectId: inflight.projectId, taskId: series === 'project' ? null : inflight.taskId };
    for (const granularity of STATS_GRANULARITIES) ids.push(bucketId(ref, granularity, inflight.keys[granularity]));
  }
  inflight[BUCKET_IDS] = ids;
  return ids;
}

/** updateBuckets' work once the buckets are read (null: not made yet), in the order of SERIES, then STATS_GRANULARITIES. */
function changeBuckets(inflight: InflightDoc, ids: readonly string[], buckets: Array<StatsBucketDoc | null>, change: (bucket: StatsBucketDoc) => void): WriteOperation[] {
  const operations: WriteOperation[] = [];
  let i = 0;
  for (const series of SERIES) {
    let newHour = false;
    for (const granularity of STATS_GRANULARITIES) {
      const id = ids[i]!;
      let bucket = buckets[i++] ?? null;
      const key = inflight.keys[granularity];
      if (!bucket) {
        bucket = {
          id,
          projectId: inflight.projectId,
          taskId: series === 'task' ? inflight.taskId : null,
          series,
          granularity,
          key,
          zone: granularity === 'day' ? inflight.zone : 'UTC',
          ...emptyCounters(),
        };
        if (series === 'task' && granularity === 'hour') newHour = true;
        if (series === 'task' && granularity === 'day') {
          (bucket as TaskDayBucketDoc).hours = [];
          operations.push(noteTaskMonth(inflight, key));
        }
      }
      if (newHour && granularity === 'day') {
        const hours = (bucket as TaskDayBucketDoc).hours;
        if (!hours.includes(inflight.keys.hour)) hours.push(inflight.keys.hour);
      }
      change(bucket);
      operations.push({ op: 'upsert', collection: STATS_BUCKETS, id, doc: bucket });
    }
  }
  return operations;
}

/**
 * A task's new day: its month is listed, with a write that needs no read (a rebuild notes about one
 * new day per execution, and reading the document back for each was a tenth of a stats rebuild).
 */
function noteTaskMonth(inflight: InflightDoc, day: string): WriteOperation {
  return { op: 'set', collection: STATS_TASK_DAYS, id: inflight.taskId, fields: { projectId: inflight.projectId, [`months.${day.slice(0, 7)}`]: true } };
}

/**
 * Purged executions (a task's deletion or retention) will never end: forget them. What they counted
 * stays, until their task is deleted (TaskPurgeRequested).
 */
function executionsPurged(event: ExecutionsPurged): WriteOperation[] {
  return event.data.executionIds.map((id): WriteOperation => ({ op: 'delete', collection: STATS_INFLIGHT, id }));
}

/**
 * A task is deleted: its buckets leave the model and are taken out of its project's, day by day and
 * hour by hour, as its TaskDaysDoc and day buckets list them; its failure days and unfinished
 * executions go too.
 */
async function taskPurged(event: TaskPurgeRequested, reader: ProjectionReader): Promise<WriteOperation[]> {
  const { taskId, projectId } = event.data;
  const operations: WriteOperation[] = [{ op: 'deleteMany', collection: STATS_INFLIGHT, filter: { taskId } }];
  const range = await reader.get<TaskDaysDoc>(STATS_TASK_DAYS, taskId);
  if (!range) return operations;
  const hours = new Set<string>();
  const subtract = async (granularity: StatsGranularity, key: string) => {
    const taskBucketId = bucketId({ projectId, taskId }, granularity, key);
    const taskBucket = await reader.get<StatsBucketDoc>(STATS_BUCKETS, taskBucketId);
    if (!taskBucket) return null;
    operations.push({ op: 'delete', collection: STATS_BUCKETS, id: taskBucketId });
    const projectBucketId = bucketId({ projectId, taskId: null }, granularity, key);
    const projectBucket = await reader.getForUpdate<StatsBucketDoc>(STATS_BUCKETS, projectBucketId);
    if (projectBucket) {
      subtractCounters(projectBucket, taskBucket);
      operations.push(
        projectBucket.total > 0
          ? { op: 'upsert', collection: STATS_BUCKETS, id: projectBucketId, doc: projectBucket }
          : { op: 'delete', collection: STATS_BUCKETS, id: projectBucketId },
      );
    }
    return taskBucket;
  };
  for (const day of daysOf(range)) {
    const bucket = (await subtract('day', day)) as TaskDayBucketDoc | null;
    for (const hour of bucket?.hours ?? []) hours.add(hour);
  }
  const failureDays = new Set<string>();
  for (const hour of hours) {
    await subtract('hour', hour);
    failureDays.add(hour.slice(0, 10));
  }
  for (const day of failureDays) operations.push({ op: 'delete', collection: STATS_FAILURE_DAYS, id: failureDayId(projectId, day, taskId) });
  operations.push({ op: 'delete', collection: STATS_TASK_DAYS, id: taskId });
  return operations;
}

/** Every day the task may have a bucket for: each day of its listed months, and of the range an older document holds. */
function daysOf(range: TaskDaysDoc): Set<string> {
  const days = new Set<string>();
  if (range.firstDay && range.lastDay) for (let day = range.firstDay; day <= range.lastDay; day = nextDayKey(day)) days.add(day);
  for (const month of Object.keys(range.months ?? {})) {
    for (let day = `${month}-01`; day.startsWith(month); day = nextDayKey(day)) days.add(day);
  }
  return days;
}

function nextDayKey(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}
