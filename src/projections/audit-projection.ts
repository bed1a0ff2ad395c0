import { ALERTS_CATEGORY } from '../events/alert-events';
import { DELETION_CATEGORY } from '../events/deletion-events';
import { RETENTION_CATEGORY } from '../events/retention-events';
import { STREAM_CATEGORIES, streamPrefix } from '../events/streams';
import type { Doc } from '../stores/read/read-store';
import { redactSecrets } from './audit-redaction';
import { auditSummary } from './audit-summary';
import type { Projection } from './projection';

export const AUDIT_PROJECTION = 'audit';
export const AUDIT_ENTRIES = 'entries';

/** The streams whose events make a project's administrative history. */
export const AUDITED_STREAM_PREFIXES = [
  streamPrefix(STREAM_CATEGORIES.project),
  streamPrefix(STREAM_CATEGORIES.task),
  streamPrefix(STREAM_CATEGORIES.taskGroup),
  `${ALERTS_CATEGORY}-`,
  `${DELETION_CATEGORY}-`,
  `${RETENTION_CATEGORY}-`,
];

/**
 * The chunks of a purge list up to a few hundred execution ids each, thousands a day under retention;
 * what they removed is counted in the step or run that made them (DeletionStepCompleted,
 * RetentionApplied), which the view shows.
 */
const LEFT_OUT = new Set(['ExecutionsPurged']);

/** One event of a project's history, as the project audit view pages it. */
export interface AuditEntryDoc extends Doc {
  projectId: string;
  /** `$all` position: the order and the keyset of every page. */
  position: number;
  stream: string;
  revision: number;
  type: string;
  actor: string;
  occurredAt: string;
  correlationId: string;
  causationId: string;
  summary: string;
  /** The event's data with secrets redacted before it is stored: the read model never holds one. */
  data: unknown;
}

/**
 * Every event of a project's own aggregates: the project (settings, members, API keys, signing secret,
 * the record of deleted tasks), its tasks, groups, alerts, task deletions and retention runs. Executions
 * and their log lines stay out (they are the runs, not the administration of the project, and would
 * outnumber everything else; each execution has its own audit route), as do API key uses (one per
 * report) and the id lists of purges (LEFT_OUT). One document per event, appended and never changed,
 * so a page is an index range whatever the history's length: by position within the project, or
 * within one type or one actor of it. Entries stay when their task is deleted (the record of what it
 * was and who deleted it) and when the project is deleted (no route shows them then).
 */
export const auditProjection: Projection = {
  name: AUDIT_PROJECTION,
  version: 1,
  collections: [
    {
      name: AUDIT_ENTRIES,
      indexes: [
        { fields: [['projectId', 1], ['position', 1]] },
        { fields: [['projectId', 1], ['type', 1], ['position', 1]] },
        { fields: [['projectId', 1], ['actor', 1], ['position', 1]] },
      ],
    },
  ],
  filter: { streamPrefixes: AUDITED_STREAM_PREFIXES },
  handle(event) {
    if (LEFT_OUT.has(event.type)) return [];
    const projectId = (event.data as { projectId?: unknown } | null)?.projectId;
    if (typeof projectId !== 'string') return [];
    const id = String(event.position);
    const { metadata } = event;
    const doc: AuditEntryDoc = {
      id,
      projectId,
      position: event.position,
      stream: event.streamId,
      revision: event.revision,
      type: event.type,
      actor: metadata.actor,
      occurredAt: metadata.occurredAt,
      correlationId: metadata.correlationId,
      causationId: metadata.causationId,
      summary: auditSummary(event.type, event.data),
      data: redactSecrets(event.data),
    };
    return [{ op: 'upsert', collection: AUDIT_ENTRIES, id, doc }];
  },
};
