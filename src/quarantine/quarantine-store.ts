/**
 * The dead-letter read model: events a projection or process manager could not apply, set aside so
 * that one event never stops a consumer for everyone. A record names the event (never its data: an
 * event may be poison precisely because the read store cannot hold its data), the consumer and the error.
 */
import { UnavailableError } from '../errors/app-error';
import type { EventStore, Position, RecordedEvent } from '../stores/events/event-store';
import type { Doc, PositionedOperation, ReadStore } from '../stores/read/read-store';

export const QUARANTINE_COLLECTION = 'quarantine';
/** How each quarantined event's alert went; written once, after the mail (see quarantine-alerts.ts). */
export const QUARANTINE_ALERTS_COLLECTION = 'quarantine_alerts';
/**
 * The checkpoint that quarantine bookkeeping batches carry (every applyBatch must carry one): its
 * position is the last event whose record was written or removed, and nothing resumes from it.
 */
export const QUARANTINE_CHECKPOINT = 'quarantine';
/**
 * An event that fails is tried again after each of these pauses before it counts as poison (then the
 * store must also take a write, or answer, right before its last try): a passing fault gets a chance, and
 * a consumer is held up about half a second per poison event.
 */
export const POISON_RETRY_DELAYS_MS = [100, 400];
/** Errors are kept this long (a stack of nested JSON can make a very long message). */
const MAX_ERROR_LENGTH = 2000;

export type ConsumerKind = 'projection' | 'process-manager';

export interface QuarantineRecord extends Doc {
  /** The projection's or process manager's name. */
  consumer: string;
  kind: ConsumerKind;
  /** The projection's generation (its read models); null for a process manager. */
  generation: number | null;
  stream: string;
  revision: number;
  position: Position;
  type: string;
  error: string;
  quarantinedAt: string;
}

export interface QuarantineAlert extends Doc {
  /** Whom the alert was mailed to, or why it was not. */
  outcome: string;
}

export interface Consumer {
  name: string;
  kind: ConsumerKind;
  generation: number | null;
}

export function quarantineId(consumer: Consumer, position: Position): string {
  return consumer.generation === null ? `${consumer.name}@${position}` : `${consumer.name}#${consumer.generation}@${position}`;
}

/**
 * A store that is busy or down (SQLITE_BUSY past the busy timeout on a loaded machine, a lost
 * connection) says nothing about the event: such a failure is retried, however often, and never
 * quarantines the event, even when it happens on the last try.
 */
export function isOutage(err: unknown): boolean {
  return err instanceof UnavailableError;
}

export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

export function quarantineRecord(consumer: Consumer, event: RecordedEvent, err: unknown, at: Date): QuarantineRecord {
  return {
    id: quarantineId(consumer, event.position),
    consumer: consumer.name,
    kind: consumer.kind,
    generation: consumer.generation,
    stream: event.streamId,
    revision: event.revision,
    position: event.position,
    type: event.type,
    error: errorText(err),
    quarantinedAt: at.toISOString(),
  };
}

/** The write that sets an event aside, at the event's own position (so a redelivered batch changes nothing). */
export function quarantineOperation(record: QuarantineRecord): PositionedOperation {
  return { op: 'upsert', collection: QUARANTINE_COLLECTION, id: record.id, doc: record, position: record.position };
}

/** The writes that remove a record and its alert (a deleteMany spares nothing written up to `position`). */
export function releaseOperations(recordId: string, position: Position): PositionedOperation[] {
  return [
    { op: 'deleteMany', collection: QUARANTINE_COLLECTION, filter: { id: recordId }, position },
    { op: 'deleteMany', collection: QUARANTINE_ALERTS_COLLECTION, filter: { id: recordId }, position },
  ];
}

/** The records, the alerts and their checkpoint; every reader and writer ensures them first. */
export async function ensureQuarantine(reads: ReadStore): Promise<void> {
  await reads.ensureCollection({ name: QUARANTINE_COLLECTION, indexes: [{ fields: [['consumer', 1], ['position', 1]] }] });
  await reads.ensureCollection({ name: QUARANTINE_ALERTS_COLLECTION, indexes: [] });
}

export async function isQuarantined(reads: ReadStore, id: string): Promise<boolean> {
  return (await reads.get(QUARANTINE_COLLECTION, id)) !== null;
}

export interface QuarantinedEvent extends QuarantineRecord {
  alert: string | null;
}

/** Every record (of one consumer), oldest event first, with its alert's outcome. Installations have few. */
export async function listQuarantined(reads: ReadStore, consumer?: string): Promise<QuarantinedEvent[]> {
  const records: QuarantineRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await reads.find<QuarantineRecord>(QUARANTINE_COLLECTION, {
      filter: consumer === undefined ? {} : { consumer },
      sort: [['position', 1]],
      limit: 1000,
      cursor,
    });
    records.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const listed: QuarantinedEvent[] = [];
  for (const record of records) {
    const alert = await reads.get<QuarantineAlert>(QUARANTINE_ALERTS_COLLECTION, record.id);
    listed.push({ ...record, alert: alert?.outcome ?? null });
  }
  return listed;
}

/** How many events each consumer has set aside (consumers with none are left out). */
export async function countQuarantined(reads: ReadStore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let cursor: string | undefined;
  do {
    const page = await reads.find<QuarantineRecord>(QUARANTINE_COLLECTION, { sort: [['consumer', 1]], limit: 1000, cursor });
    for (const record of page.items) counts[record.consumer] = (counts[record.consumer] ?? 0) + 1;
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
}

/** Forgets a projection generation's records, with the generation itself (see ProjectionRunner.dropGeneration). */
export async function dropQuarantineOf(reads: ReadStore, consumer: string, generation: number): Promise<void> {
  const records = (await listQuarantined(reads, consumer)).filter((r) => r.generation === generation);
  if (records.length === 0) return;
  const last = records[records.length - 1]!.position;
  await reads.applyBatch(records.flatMap((r) => releaseOperations(r.id, last)), { name: QUARANTINE_CHECKPOINT, position: last });
}

/** The stored event at `position`, if there is one. */
export async function eventAt(events: EventStore, position: Position): Promise<RecordedEvent | undefined> {
  const [event] = await events.readAll({ after: position > 0 ? position - 1 : null, maxCount: 1 });
  return event?.position === position ? event : undefined;
}

/** What applying one consumer's quarantined events again gave. */
export interface RetryOutcome {
  consumer: string;
  applied: number;
  stillFailing: Array<{ id: string; error: string }>;
}

/**
 * Process managers live in the leading server, so `retry-quarantined` asks it to apply theirs again:
 * it stores a request, the leader answers under RETRY_DONE_KEY with the same id.
 */
export const RETRY_REQUEST_KEY = 'quarantine:retry-process-managers';
export const RETRY_DONE_KEY = 'quarantine:retried-process-managers';

export interface RetryRequest {
  id: number;
  /** One manager's name, or null for all. */
  consumer: string | null;
}

export interface RetryDone {
  id: number;
  outcomes: RetryOutcome[];
}
