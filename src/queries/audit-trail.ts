import { NotFoundError } from '../errors/app-error';
import { StreamNotFoundError } from '../errors/store-errors';
import { redactSecrets } from '../projections/audit-redaction';
import type { EventStore, RecordedEvent } from '../stores/events/event-store';

export interface AuditEntry {
  type: string;
  revision: number;
  position: number;
  occurredAt: string;
  actor: string;
  correlationId: string;
  causationId: string;
  /** The event's data with secrets (hashes, signing secrets, tokens) redacted. */
  data: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** The revision to continue from; null on the last page. */
  nextRevision: number | null;
}

/**
 * An aggregate's history, read from its own stream (the source of truth, not a read model), oldest
 * first, from a revision. With `asOf`, only what had occurred by that instant (the history as it was
 * then; events count from the instant they occurred, as in task-as-of.ts). An unknown stream is 404; a
 * tombstoned one 410 (the store's StreamDeletedError).
 */
export async function auditTrail(
  events: EventStore,
  stream: string,
  label: string,
  fromRevision: number,
  limit: number,
  asOf?: Date,
): Promise<AuditPage> {
  const read = await readOrNotFound(events, stream, label, { fromRevision, direction: 'forwards', maxCount: limit + 1 });
  const later = asOf ? read.findIndex((event) => Date.parse(event.metadata.occurredAt) > asOf.getTime()) : -1;
  const recorded = later === -1 ? read : read.slice(0, later);
  const page = recorded.slice(0, limit);
  return {
    entries: page.map(auditEntry),
    nextRevision: recorded.length > limit ? recorded[limit]!.revision : null,
  };
}

/**
 * The project an aggregate belongs to, from its first event (every event names its project), so a
 * route addressed by aggregate id alone can check the caller's access before showing anything.
 */
export async function projectOfStream(events: EventStore, stream: string, label: string): Promise<string> {
  const [first] = await readOrNotFound(events, stream, label, { fromRevision: 0, direction: 'forwards', maxCount: 1 });
  const projectId = (first?.data as { projectId?: unknown } | undefined)?.projectId;
  if (typeof projectId !== 'string') throw new NotFoundError(`${label} does not exist`);
  return projectId;
}

async function readOrNotFound(events: EventStore, stream: string, label: string, options: Parameters<EventStore['readStream']>[1]) {
  try {
    return await events.readStream(stream, options);
  } catch (err) {
    if (err instanceof StreamNotFoundError) throw new NotFoundError(`${label} does not exist`);
    throw err;
  }
}

function auditEntry(event: RecordedEvent): AuditEntry {
  const { metadata } = event;
  return {
    type: event.type,
    revision: event.revision,
    position: event.position,
    occurredAt: metadata.occurredAt,
    actor: metadata.actor,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    data: redactSecrets(event.data),
  };
}
