import type { AuditEntry, AuditPage } from '../../queries/audit-trail';
import type { AuditSubject, ProjectAuditEntry, ProjectAuditPage } from '../../queries/project-audit';
import { type DeliveryDetails, deliveryView } from './delivery-outcome-shape';

export interface AuditEntryResponse {
  type: string;
  /** The event's revision in its stream, from 0. */
  revision: number;
  /** The event's position in the whole log, as a decimal string. */
  position: string;
  occurred_at: string;
  /** User id, API key id, or `system:<manager>`. */
  actor: string;
  correlation_id: string;
  causation_id: string;
  /**
   * The event's data as recorded (secrets redacted). Delivery outcomes (dispatches, alert sends) carry
   * their class as `outcome`; their details (error, HTTP status, duration) only for callers who may edit.
   */
  data: unknown;
}

export interface AuditPageResponse {
  data: AuditEntryResponse[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export function toAuditPageResponse(page: AuditPage, details: DeliveryDetails): AuditPageResponse {
  return {
    data: page.entries.map((entry) => toAuditEntryResponse(entry, details)),
    next_cursor: page.nextRevision === null ? null : String(page.nextRevision),
  };
}

function toAuditEntryResponse(entry: AuditEntry, details: DeliveryDetails): AuditEntryResponse {
  return {
    type: entry.type,
    revision: entry.revision,
    position: String(entry.position),
    occurred_at: entry.occurredAt,
    actor: entry.actor,
    correlation_id: entry.correlationId,
    causation_id: entry.causationId,
    data: deliveryView(entry.type, entry.data, details),
  };
}

/** An entry of a project's whole history: as above, with what it is about and a one-line summary. */
export interface ProjectAuditEntryResponse extends AuditEntryResponse {
  /** The project, task or group the event belongs to (a task's alerts and deletion are about the task). */
  subject: AuditSubject;
  /** What happened, in one line (names and fields, never secret values or delivery details). */
  summary: string;
}

export interface ProjectAuditPageResponse {
  data: ProjectAuditEntryResponse[];
  /** Pass as `cursor` (with the same `order`) for the next page; null on the last page. */
  next_cursor: string | null;
}

export function toProjectAuditPageResponse(page: ProjectAuditPage, details: DeliveryDetails): ProjectAuditPageResponse {
  return {
    data: page.entries.map((entry: ProjectAuditEntry) => ({ ...toAuditEntryResponse(entry, details), subject: entry.subject, summary: entry.summary })),
    next_cursor: page.nextCursor,
  };
}
