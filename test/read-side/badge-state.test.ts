import type { TaskDoc } from '../../src/projections/task-read-model';
import { combinedState, LATE_AFTER_MS, taskBadgeState } from '../../src/queries/public/badge-state';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');

function task(status: TaskDoc['status'], last: { status: string; scheduledAt?: string } | null): TaskDoc {
  return {
    id: 't',
    status,
    lastExecution: last && { executionId: 'e', triggerType: 'SCHEDULED', createdAt: '2026-03-01T09:00:00.000Z', endedAt: null, scheduledAt: '2026-03-01T09:00:00.000Z', ...last },
  } as TaskDoc;
}

describe('badge states', () => {
  it('follows the newest run, and the task being switched off', () => {
    expect(taskBadgeState(task('ACTIVE', null), NOW)).toBe('new');
    expect(taskBadgeState(task('ACTIVE', { status: 'SUCCESS' }), NOW)).toBe('up');
    expect(taskBadgeState(task('ACTIVE', { status: 'RUNNING' }), NOW)).toBe('up');
    expect(taskBadgeState(task('ACTIVE', { status: 'CANCELLED' }), NOW)).toBe('up');
    for (const status of ['FAILED', 'TIMED_OUT', 'MISSED']) expect(taskBadgeState(task('ACTIVE', { status }), NOW)).toBe('down');
    for (const status of ['DISABLED', 'PENDING_DELETE', 'DELETE_FAILED'] as const) expect(taskBadgeState(task(status, { status: 'FAILED' }), NOW)).toBe('paused');
  });

  it('is late only once a pending run is more than LATE_AFTER_MS past its scheduled time', () => {
    const due = (ms: number) => task('ACTIVE', { status: 'PENDING', scheduledAt: new Date(NOW - ms).toISOString() });
    expect(taskBadgeState(due(LATE_AFTER_MS), NOW)).toBe('up');
    expect(taskBadgeState(due(LATE_AFTER_MS + 1), NOW)).toBe('late');
    expect(taskBadgeState(due(-3_600_000), NOW)).toBe('up'); // not due yet
  });

  it('makes a group as bad as its worst task, paused and new ones counting least', () => {
    expect(combinedState([])).toBe('new');
    expect(combinedState(['up', 'down', 'late'])).toBe('down');
    expect(combinedState(['up', 'late', 'paused'])).toBe('late');
    expect(combinedState(['paused', 'up', 'new'])).toBe('up');
    expect(combinedState(['paused', 'new'])).toBe('new');
    expect(combinedState(['paused'])).toBe('paused');
  });
});
