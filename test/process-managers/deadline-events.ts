import type { RecordedEvent } from '../../src/stores/events/event-store';

/** Events of one execution (`e1` of task `t1`), as the deadlines manager is handed them, at seconds after `t0`. */
export function executionEvents(t0: number) {
  const iso = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
  const ref = { executionId: 'e1', taskId: 't1', projectId: 'p1' };
  let position = 0;
  const recorded = (type: string, data: Record<string, unknown>): RecordedEvent =>
    ({
      type,
      data: { ...ref, ...data },
      streamId: 'execution-e1',
      revision: position,
      position: ++position,
      metadata: { eventId: `ev${position}`, correlationId: 'e1', causationId: null, actor: 'system:scheduler', occurredAt: iso(0), schemaVersion: 1 },
    }) as unknown as RecordedEvent;
  const created = (deadlines: { timeoutSeconds: number | null; startDeadlineSeconds: number | null }) =>
    recorded('ExecutionCreated', { taskName: 'n', scheduledAt: iso(0), triggerType: 'SCHEDULED', attempt: 1, executionMode: 'pull', createdAt: iso(0), ...deadlines });
  return { iso, recorded, created };
}
