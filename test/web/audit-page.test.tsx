/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { AuditPage } from '../../web/src/pages/AuditPage';
import { definitionRows } from '../../web/src/components/TaskDefinitionDiff';
import { navigate } from '../../web/src/router';
import { renderWithQueries, type RecordedRequest, stubFetch } from './render';

const ME = { user: { id: 'u-ann', email: 'ann@example.com', name: 'Ann', super_admin: false }, super_admin: false, memberships: [{ project_id: 'p1', project_name: 'Nightly', role: 'viewer' }] };
const PROJECT = { id: 'p1', uuid: 'p1', name: 'Nightly', api_key: null, execution_endpoint: null, timezone: 'UTC', alert_policy: null, retention_days: null, project_users: [], created_at: '', updated_at: '' };
const T1 = 'a1b2c3d4-0000-4000-8000-000000000001';

function entry(position: number, type: string, summary: string, occurredAt: string, subject = { kind: 'task', id: T1 }) {
  return { type, revision: 0, position: String(position), occurred_at: occurredAt, actor: 'u-ann', correlation_id: 'c', causation_id: 'c', data: {}, subject, summary };
}

function task(description: string, updatedAt: string) {
  return {
    id: T1, uuid: T1, project_id: 'p1', task_group_id: null, name: 'backup', description, schedule_type: 'RECURRING', status: 'ACTIVE', state: 'RUNNING',
    schedule_config: { cron_expression: '0 2 * * *', timezone: 'UTC' }, timeout_seconds: null, metadata: null, execution_mode: 'push',
    start_deadline_seconds: null, alert_policy: null, last_execution: null, deletion_error: null, created_at: '2026-03-01T00:00:00.000Z', updated_at: updatedAt,
  };
}

function serve(): RecordedRequest[] {
  return stubFetch(({ url }) => {
    const { pathname, searchParams } = new URL(url);
    if (pathname.endsWith('/auth/me')) return [200, ME];
    if (pathname.endsWith('/projects/p1')) return [200, PROJECT];
    if (pathname.endsWith('/projects/p1/tasks')) return [200, [task('v2', '2026-03-02T10:00:00.000Z')]];
    if (pathname.endsWith('/projects/p1/audit')) {
      if (searchParams.get('cursor') === 'next') return [200, { data: [entry(3, 'ProjectCreated', 'Project “Nightly” created', '2026-03-01T00:00:00.000Z', { kind: 'project', id: 'p1' })], next_cursor: null }];
      return [200, { data: [entry(9, 'TaskUpdated', 'Task “backup” updated', '2026-03-02T10:00:00.000Z'), entry(5, 'TaskCreated', 'Task “backup” created', '2026-03-01T00:00:00.000Z')], next_cursor: 'next' }];
    }
    if (pathname.endsWith(`/tasks/${T1}`)) {
      const asOf = Date.parse(searchParams.get('as_of')!);
      return asOf >= Date.parse('2026-03-02T10:00:00.000Z') ? [200, task('v2', '2026-03-02T10:00:00.000Z')] : [200, task('v1', '2026-03-01T00:00:00.000Z')];
    }
    return [404, { error: `unexpected ${pathname}` }];
  });
}

const auditRequests = (requests: RecordedRequest[]) => requests.filter((r) => new URL(r.url).pathname.endsWith('/audit')).map((r) => Object.fromEntries(new URL(r.url).searchParams));

describe('project audit page', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/projects/p1/audit');
    window.scrollTo = jest.fn() as unknown as typeof window.scrollTo; // jsdom has no layout
  });

  it('keeps its filters and page in the address and asks the API for exactly them, newest first', async () => {
    const requests = serve();
    renderWithQueries(<AuditPage projectId="p1" />);
    const table = await screen.findByRole('table', { name: 'Audit log' });
    expect(within(table).getAllByRole('row').slice(1).map((row) => row.textContent)).toEqual([
      expect.stringContaining('Task “backup” updated'),
      expect.stringContaining('Task “backup” created'),
    ]);
    expect(auditRequests(requests)).toEqual([{ order: 'desc', limit: '50' }]);

    fireEvent.change(screen.getByLabelText('Event types (comma-separated)'), { target: { value: 'TaskUpdated,TaskCreated' } });
    fireEvent.change(screen.getByLabelText('From (ISO 8601 instant)'), { target: { value: '2026-03-01T00:00:00Z' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    expect(window.location.search).toBe('?type=TaskUpdated%2CTaskCreated&from=2026-03-01T00%3A00%3A00Z');
    await waitFor(() => expect(auditRequests(requests).at(-1)).toEqual({ type: 'TaskUpdated,TaskCreated', from: '2026-03-01T00:00:00Z', order: 'desc', limit: '50' }));

    fireEvent.click(await screen.findByRole('link', { name: 'Next page' }));
    expect(new URLSearchParams(window.location.search).get('cursor')).toBe('next');
    await screen.findByText('Project “Nightly” created');
    expect(auditRequests(requests).at(-1)).toMatchObject({ cursor: 'next', type: 'TaskUpdated,TaskCreated' });
    expect(screen.queryByRole('link', { name: 'Next page' })).toBeNull();

    // Back in the browser: the first page and its filters again.
    act(() => navigate('/projects/p1/audit?type=TaskUpdated'));
    await waitFor(() => expect((screen.getByLabelText('Event types (comma-separated)') as HTMLInputElement).value).toBe('TaskUpdated'));
  });

  it("compares a task's definition just before and at a change, side by side, changed fields marked", async () => {
    const requests = serve();
    renderWithQueries(<AuditPage projectId="p1" />);
    const row = (await screen.findByText('Task “backup” updated')).closest('tr')!;
    fireEvent.click(within(row).getByRole('link', { name: 'compare before/after' }));
    const search = new URLSearchParams(window.location.search);
    expect([search.get('task'), search.get('before'), search.get('after')]).toEqual([T1, '2026-03-02T09:59:59.999Z', '2026-03-02T10:00:00.000Z']);

    const diff = await screen.findByRole('table', { name: 'Task definition compared' });
    await within(diff).findByText('v1');
    const changed = within(diff).getAllByRole('row').filter((r) => r.getAttribute('data-changed') === 'true');
    expect(changed.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['description (changed)', 'updated_at (changed)']);
    expect(within(changed[0]!).getAllByRole('cell').map((c) => c.textContent)).toEqual(['v1', 'v2']);
    const asOf = requests.filter((r) => new URL(r.url).pathname.endsWith(`/tasks/${T1}`)).map((r) => new URL(r.url).searchParams.get('as_of'));
    expect(asOf.sort()).toEqual(['2026-03-02T09:59:59.999Z', '2026-03-02T10:00:00.000Z']);
  });

  it('shows a side where the task did not exist yet as empty, every field changed', () => {
    const rows = definitionRows(null, task('v1', '2026-03-01T00:00:00.000Z') as never);
    expect(rows.every((r) => r.changed && r.before === '')).toBe(true);
    expect(rows.find((r) => r.field === 'schedule_config')!.after).toContain('0 2 * * *');
  });
});
