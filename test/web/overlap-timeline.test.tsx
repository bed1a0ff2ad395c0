/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { screen } from '@testing-library/react';
import { AuditEntries } from '../../web/src/components/AuditTimeline';
import { renderWithQueries, stubFetch } from './render';

const ME = { user: { id: 'u-ann', email: 'ann@example.com', name: 'Ann', super_admin: false }, super_admin: false, memberships: [{ project_id: 'p1', project_name: 'Nightly', role: 'viewer' }] };

function entry(position: number, type: string, data: Record<string, unknown>) {
  return { type, revision: position, position: String(position), occurred_at: '2026-03-01T00:00:00.000Z', actor: 'system:scheduler', correlation_id: 'c', causation_id: 'c', data, subject: { kind: 'execution', id: 'e2' }, summary: type };
}

describe("a run's history shows its overlap decisions", () => {
  it('says why a run was skipped, queued, released or replaced', async () => {
    stubFetch(({ url }) => (new URL(url).pathname.endsWith('/auth/me') ? [200, ME] : [404, { error: 'unexpected' }]));
    renderWithQueries(
      <AuditEntries
        projectId="p1"
        label="Run history"
        entries={[
          entry(1, 'ExecutionSkipped', { cause: 'previous_run_open', blockingExecutionId: 'e1', limit: null }),
          entry(2, 'ExecutionQueued', { cause: 'group_max_concurrent', blockingExecutionId: null, limit: 3 }),
          entry(3, 'ExecutionReleased', { after: 'e1' }),
          entry(4, 'ExecutionCancelled', { by: 'system:scheduler', reason: 'replaced by e9', replacedBy: 'e9' }),
          entry(5, 'ExecutionSkipped', { cause: 'queue_full', blockingExecutionId: 'e1', limit: 2 }),
        ]}
      />,
    );
    const items = (await screen.findAllByRole('listitem')).map((li) => li.textContent);
    expect(items[0]).toContain('ExecutionSkipped by system (scheduler): previous run still running (execution e1)');
    expect(items[1]).toContain(': group max_concurrent 3 reached');
    expect(items[2]).toContain(': started after execution e1 ended');
    expect(items[3]).toContain(': replaced by e9');
    expect(items[4]).toContain(': queue full (max_queued 2)');
  });
});
