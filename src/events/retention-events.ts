import { streamOf } from './streams';
import type { ExecutionsPurged } from './deletion-events';
import { type DomainEventOf, eventTypeNames } from './event';

/**
 * The retention manager's record, on `retention-<projectId>` (src/process-managers/retention/): each
 * chunk it removed (ExecutionsPurged, reason `retention`, listing the execution ids) and, per run, a
 * summary with the cutoff and the counts.
 */
export const RETENTION_CATEGORY = 'retention';
export const retentionStream = (projectId: string): string => streamOf(RETENTION_CATEGORY, 'Project', projectId);

/** One run finished: every execution created before `cutoff` is gone (read models and streams). */
export type RetentionApplied = DomainEventOf<
  'RetentionApplied',
  {
    projectId: string;
    retentionDays: number;
    cutoff: string;
    executionsRemoved: number;
    /** Execution and log streams tombstoned. */
    streamsTombstoned: number;
    startedAt: string;
    at: string;
  }
>;

export type RetentionEvent = RetentionApplied | ExecutionsPurged;

export const RETENTION_EVENT_TYPES = eventTypeNames<RetentionEvent>({ RetentionApplied: true, ExecutionsPurged: true });
