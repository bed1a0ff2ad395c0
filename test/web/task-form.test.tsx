/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TaskFormPage } from '../../web/src/pages/TaskFormPage';
import { renderWithQueries, type RecordedRequest, stubFetch } from './render';

const PROJECT = { id: 'p1', uuid: 'p1', name: 'Nightly', api_key: null, execution_endpoint: null, timezone: 'Europe/Paris', alert_policy: null, retention_days: null, project_users: [], created_at: '', updated_at: '' };
const SCHEDULE = {
  timezone: 'Europe/Paris',
  cron_expression: '*/10 * * * *',
  // A window on a cron expression: its frequency is not shown by the form, and must be sent back.
  time_range: { start: '08:00', end: '18:30', frequency: { value: 5, unit: 'm' } },
  days_of_week: [1, 2, 3, 4, 5],
  exclusions: [3],
  excluded_dates: ['2026-12-25', '2027-01-01'],
  dst: { gap: 'skip', repeat: 'once' },
  catch_up: 'latest',
  // A field this dashboard does not know (a newer server): kept as it was.
  future_field: { keep: ['me'] },
};
const TASK = {
  id: 't1',
  uuid: 't1',
  project_id: 'p1',
  task_group_id: null,
  name: 'backup',
  description: 'Nightly database backup',
  schedule_type: 'RECURRING',
  schedule_config: SCHEDULE,
  status: 'ACTIVE',
  execution_mode: 'pull',
  timeout_seconds: 600,
  start_deadline_seconds: null,
  metadata: { team: 'db' },
  alert_policy: { after_failures: 3, notify_recovery: false, realert_minutes: 60 },
  duration_alerts: { max_run_seconds: 1800, slower_than_p95_factor: null, p95_window_runs: 20, max_start_delay_seconds: null },
  retry: { max_attempts: 3, backoff: 'exponential', delay_seconds: 30, max_delay_seconds: 600, jitter: true, on: ['FAILED'], alert: 'exhausted' },
};

function serve(): RecordedRequest[] {
  return stubFetch(({ method, url, body }) => {
    const path = new URL(url).pathname;
    if (method === 'GET' && path.endsWith('/projects/p1')) return [200, PROJECT];
    if (method === 'GET' && path.endsWith('/tasks/t1')) return [200, TASK];
    if (method === 'GET' && path.endsWith('/task-groups')) return [200, []];
    if (method === 'POST' && path.endsWith('/schedules/preview')) return [200, { timezone: 'Europe/Paris', occurrences: [] }];
    if (method === 'PUT' && path.endsWith('/tasks/t1')) return [200, { ...TASK, ...(body as object) }];
    return [404, { error: `unexpected ${method} ${path}` }];
  });
}

const access = { label: 'admin', canEdit: true, isAdmin: true };
const putOf = (requests: RecordedRequest[]) => requests.find((r) => r.method === 'PUT')?.body as Record<string, unknown> | undefined;

describe('task form', () => {
  beforeAll(() => {
    window.scrollTo = jest.fn() as unknown as typeof window.scrollTo;
  });

  it('shows every schedule field the server returned, and saves them back unchanged, unknown ones included', async () => {
    const requests = serve();
    renderWithQueries(<TaskFormPage projectId="p1" taskId="t1" access={access} />);
    await screen.findByRole('heading', { name: 'Edit backup' });
    expect((screen.getByLabelText('Cron expression') as HTMLInputElement).value).toBe('*/10 * * * *');
    expect((screen.getByLabelText('Only inside a daily window') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Window start (HH:MM)') as HTMLInputElement).value).toBe('08:00');
    expect((screen.getByLabelText(/^Window end/) as HTMLInputElement).value).toBe('18:30');
    const days = screen.getByRole('group', { name: /Days of week/ });
    expect((within(days).getByLabelText('Monday') as HTMLInputElement).checked).toBe(true);
    expect((within(days).getByLabelText('Sunday') as HTMLInputElement).checked).toBe(false);
    const excluded = screen.getByRole('group', { name: 'Excluded weekdays' });
    expect((within(excluded).getByLabelText('Wednesday') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText(/^Excluded dates/) as HTMLTextAreaElement).value).toBe('2026-12-25, 2027-01-01');
    expect((screen.getByLabelText('After downtime (catch-up)') as HTMLSelectElement).value).toBe('latest');
    expect((screen.getByLabelText('Alerts follow') as HTMLSelectElement).value).toBe('custom');
    expect((screen.getByLabelText('Alert after this many consecutive failures') as HTMLInputElement).value).toBe('3');

    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(putOf(requests)).toBeDefined());
    const body = putOf(requests)!;
    expect(body.schedule_config).toEqual(SCHEDULE);
    expect(body.alert_policy).toEqual(TASK.alert_policy);
    expect(body.duration_alerts).toEqual(TASK.duration_alerts);
    expect(body.retry).toEqual(TASK.retry);
    expect(body.description).toBe(TASK.description);
    expect(body.metadata).toEqual(TASK.metadata);
  });

  it('sends the changed fields and keeps the rest', async () => {
    const requests = serve();
    renderWithQueries(<TaskFormPage projectId="p1" taskId="t1" access={access} />);
    await screen.findByRole('heading', { name: 'Edit backup' });
    fireEvent.click(within(screen.getByRole('group', { name: /Days of week/ })).getByLabelText('Saturday'));
    fireEvent.click(within(screen.getByRole('group', { name: 'Excluded weekdays' })).getByLabelText('Wednesday'));
    fireEvent.change(screen.getByLabelText(/^Excluded dates/), { target: { value: '2026-12-24 2026-12-31' } });
    fireEvent.change(screen.getByLabelText('After downtime (catch-up)'), { target: { value: 'none' } });
    fireEvent.change(screen.getByLabelText('Alerts follow'), { target: { value: 'inherit' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(putOf(requests)).toBeDefined());
    const body = putOf(requests)!;
    const { exclusions: _dropped, ...rest } = SCHEDULE;
    expect(body.schedule_config).toEqual({ ...rest, days_of_week: [1, 2, 3, 4, 5, 6], excluded_dates: ['2026-12-24', '2026-12-31'], catch_up: 'none' });
    expect(body.alert_policy).toBeNull();
  });

  it('builds a daily-window schedule (time_range with its frequency) for a new task', async () => {
    const requests = serve();
    renderWithQueries(<TaskFormPage projectId="p1" access={access} />);
    await screen.findByRole('heading', { name: 'New task' });
    fireEvent.change(screen.getByLabelText('Name (executors route by it)'), { target: { value: 'poll' } });
    fireEvent.change(screen.getByLabelText('Repeat by'), { target: { value: 'window' } });
    fireEvent.change(screen.getByLabelText('Window start (HH:MM)'), { target: { value: '22:00' } });
    fireEvent.change(screen.getByLabelText(/^Window end/), { target: { value: '02:00' } });
    fireEvent.change(screen.getByLabelText('Inside the window, every'), { target: { value: '30' } });
    fireEvent.change(screen.getByLabelText('Window frequency unit'), { target: { value: 's' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create task' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST' && r.url.endsWith('/tasks'))).toBe(true));
    const created = requests.find((r) => r.method === 'POST' && r.url.endsWith('/tasks'))!.body as Record<string, unknown>;
    expect(created.schedule_type).toBe('RECURRING');
    expect(created.schedule_config).toEqual({ timezone: 'Europe/Paris', time_range: { start: '22:00', end: '02:00', frequency: { value: 30, unit: 's' } } });
    expect(created.alert_policy).toBeNull();
  });

  it('sets duration and lateness alerts in minutes, and sends null when every threshold is off', async () => {
    const requests = serve();
    renderWithQueries(<TaskFormPage projectId="p1" taskId="t1" access={access} />);
    await screen.findByRole('heading', { name: 'Edit backup' });
    expect((screen.getByLabelText('Alert when a run is still running after (minutes)') as HTMLInputElement).value).toBe('30');
    fireEvent.change(screen.getByLabelText('Alert when a run starts later than its scheduled time by (minutes)'), { target: { value: '2.5' } });
    fireEvent.change(screen.getByLabelText('Alert when a run is slower than this many times the p95'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('p95 of the last (successful runs)'), { target: { value: '50' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(putOf(requests)).toBeDefined());
    expect(putOf(requests)!.duration_alerts).toEqual({ max_run_seconds: 1800, slower_than_p95_factor: 3, p95_window_runs: 50, max_start_delay_seconds: 150 });
  });

  it('sets the overlap policy: max_queued only with queue, empty fields inherit', async () => {
    const requests = serve();
    renderWithQueries(<TaskFormPage projectId="p1" taskId="t1" access={access} />);
    await screen.findByRole('heading', { name: 'Edit backup' });
    const policy = screen.getByLabelText('When a tick comes while a run is still open') as HTMLSelectElement;
    expect(policy.value).toBe('');
    expect(screen.queryByLabelText('Ticks that may wait (1–100; empty: 1)')).toBeNull();
    fireEvent.change(policy, { target: { value: 'queue' } });
    fireEvent.change(screen.getByLabelText('Ticks that may wait (1–100; empty: 1)'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Runs of this task open at once (empty: no limit)'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(putOf(requests)).toBeDefined());
    expect(putOf(requests)).toMatchObject({ overlap_policy: 'queue', max_queued: 3, max_concurrent: 2 });
  });

  it('a new task without thresholds or attempts has no duration alerts and no retries', async () => {
    const requests = serve();
    renderWithQueries(<TaskFormPage projectId="p1" access={access} />);
    await screen.findByRole('heading', { name: 'New task' });
    fireEvent.change(screen.getByLabelText('Name (executors route by it)'), { target: { value: 'poll' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create task' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST' && r.url.endsWith('/tasks'))).toBe(true));
    const created = requests.find((r) => r.method === 'POST' && r.url.endsWith('/tasks'))!.body as Record<string, unknown>;
    expect(created.duration_alerts).toBeNull();
    expect(created).toMatchObject({ overlap_policy: null, max_queued: null, max_concurrent: null });
    expect(created.retry).toBeNull();
  });

  it('edits the retry policy (fixed backoff has no longest delay)', async () => {
    const requests = serve();
    renderWithQueries(<TaskFormPage projectId="p1" taskId="t1" access={access} />);
    await screen.findByRole('heading', { name: 'Edit backup' });
    expect((screen.getByLabelText('Attempts in all (2–20)') as HTMLInputElement).value).toBe('3');
    fireEvent.change(screen.getByLabelText('Backoff'), { target: { value: 'fixed' } });
    expect((screen.getByLabelText('Longest delay (seconds; empty: no cap)') as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(screen.getByLabelText('Timed out'));
    fireEvent.change(screen.getByLabelText('Alert'), { target: { value: 'every_attempt' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(putOf(requests)).toBeDefined());
    expect(putOf(requests)!.retry).toEqual({ max_attempts: 3, backoff: 'fixed', delay_seconds: 30, max_delay_seconds: null, jitter: true, on: ['FAILED', 'TIMED_OUT'], alert: 'every_attempt' });
  });
});
