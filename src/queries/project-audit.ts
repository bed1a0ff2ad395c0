import { ValidationError } from '../errors/app-error';
import { ALERTS_CATEGORY } from '../events/alert-events';
import { DELETION_CATEGORY } from '../events/deletion-events';
import { RETENTION_CATEGORY } from '../events/retention-events';
import { STREAM_CATEGORIES } from '../events/streams';
import { AUDIT_ENTRIES, AUDIT_PROJECTION, type AuditEntryDoc } from '../projections/audit-projection';
import { redactSecrets } from '../projections/audit-redaction';
import type { Filter } from '../stores/read/read-store';
import type { AuditEntry } from './audit-trail';
import type { QueryServices } from './query-services';

export interface ProjectAuditQuery {
  /** Events that occurred at or after this instant. */
  from?: Date;
  /** Events that occurred before this instant. */
  to?: Date;
  actor?: string;
  /** One or several event types; absent: all. */
  types?: string[];
  /** Oldest first (`asc`, as the route always answered) or newest first. */
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

/** What an entry is about: alerts and deletions are about their task, retention runs about the project. */
export interface AuditSubject {
  kind: 'project' | 'task' | 'task_group';
  id: string;
}

export interface ProjectAuditEntry extends AuditEntry {
  subject: AuditSubject;
  summary: string;
}

const SUBJECT_OF_CATEGORY: Record<string, AuditSubject['kind']> = {
  [STREAM_CATEGORIES.project]: 'project',
  [RETENTION_CATEGORY]: 'project',
  [STREAM_CATEGORIES.task]: 'task',
  [ALERTS_CATEGORY]: 'task',
  [DELETION_CATEGORY]: 'task',
  [STREAM_CATEGORIES.taskGroup]: 'task_group',
};

function subjectOf(stream: string): AuditSubject {
  const dash = stream.indexOf('-');
  return { kind: SUBJECT_OF_CATEGORY[stream.slice(0, dash)] ?? 'project', id: stream.slice(dash + 1) };
}

export interface ProjectAuditPage {
  entries: ProjectAuditEntry[];
  /** Opaque: the keyset (position) of the page's last entry; null on the last page. */
  nextCursor: string | null;
}

/**
 * One page of a project's history from the audit read model (audit-projection.ts), in `$all` order.
 * The keyset is the position, so a page continues exactly after the last entry shown: events appended
 * meanwhile never shift a page (oldest first, they come at the end; newest first, they are before the
 * first page). Each read is an index range (project, then type or actor, then position); several types
 * are read one range each and merged, so a rare type is never looked for among all the project's
 * entries. The time window is checked on the entries of the range.
 */
export async function projectAuditPage(services: QueryServices, projectId: string, query: ProjectAuditQuery): Promise<ProjectAuditPage> {
  const after = query.cursor === undefined ? null : decodeAuditCursor(query.cursor, query.order);
  const filter: Filter = { projectId };
  if (query.actor !== undefined) filter.actor = query.actor;
  if (query.from || query.to) filter.occurredAt = { $gte: query.from?.toISOString(), $lt: query.to?.toISOString() };
  if (after !== null) filter.position = query.order === 'asc' ? { $gt: after } : { $lt: after };
  const direction = query.order === 'asc' ? 1 : -1;
  const collection = services.registry.collection(AUDIT_PROJECTION, AUDIT_ENTRIES);
  const read = (type: string | undefined) =>
    services.reads.find<AuditEntryDoc>(collection, { filter: type === undefined ? filter : { ...filter, type }, sort: [['position', direction]], limit: query.limit + 1 });
  const ranges = await Promise.all((query.types ?? [undefined]).map(read));
  const docs = ranges
    .flatMap((range) => range.items)
    .sort((a, b) => (a.position - b.position) * direction)
    .slice(0, query.limit + 1);
  const page = docs.slice(0, query.limit);
  return {
    entries: page.map(entryOf),
    nextCursor: docs.length > query.limit ? encodeAuditCursor(query.order, page[page.length - 1]!.position) : null,
  };
}

/** Opaque to callers: the order and the position of the page's last entry. */
function encodeAuditCursor(order: 'asc' | 'desc', position: number): string {
  return Buffer.from(`${order}:${position}`, 'utf8').toString('base64url');
}

function decodeAuditCursor(cursor: string, order: 'asc' | 'desc'): number {
  const match = /^(asc|desc):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== order || !Number.isSafeInteger(Number(match[2]))) {
    throw new ValidationError('Invalid cursor', ['cursor: must be a cursor returned by a previous page of the same order']);
  }
  return Number(match[2]);
}

function entryOf(doc: AuditEntryDoc): ProjectAuditEntry {
  return {
    type: doc.type,
    revision: doc.revision,
    position: doc.position,
    occurredAt: doc.occurredAt,
    actor: doc.actor,
    correlationId: doc.correlationId,
    causationId: doc.causationId,
    subject: subjectOf(doc.stream),
    summary: doc.summary,
    // Stored redacted; masked again on the way out so a rule added later holds for entries stored before it.
    data: redactSecrets(doc.data),
  };
}
