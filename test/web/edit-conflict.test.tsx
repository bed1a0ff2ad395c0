/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { GroupEditor } from '../../web/src/pages/ProjectPage';
import { SettingsPage } from '../../web/src/pages/SettingsPage';
import { TaskFormPage } from '../../web/src/pages/TaskFormPage';
import { renderWithQueries, type RecordedRequest, stubFetch } from './render';

/**
 * The editors send the ETag of what they loaded as If-Match; when the server answers 412 (someone else
 * changed it) they say so, and offer to reload, or to compare and then save over the current values.
 */
const PROJECT = { id: 'p1', uuid: 'p1', name: 'Nightly', api_key: null, execution_endpoint: null, timezone: 'UTC', alert_policy: null, retention_days: null, project_users: [], created_at: '', updated_at: '' };
const TASK = {
  id: 't1',
  uuid: 't1',
  project_id: 'p1',
  task_group_id: null,
  name: 'backup',
  description: null,
  schedule_type: 'RECURRING',
  schedule_config: { timezone: 'UTC', cron_expression: '0 3 * * *' },
  status: 'ACTIVE',
  execution_mode: 'pull',
  timeout_seconds: 600,
  start_deadline_seconds: null,
  metadata: null,
  alert_policy: null,
};
const GROUP = { id: 'g1', uuid: 'g1', project_id: 'p1', name: 'office', description: 'weekdays', status: 'ACTIVE', state: 'RUNNING', start_time: '09:00', end_time: '17:00', timezone: 'UTC', created_at: '', updated_at: '' };
const PRECONDITION_FAILED = { error: 'task-t1 was changed by someone else since you read it', details: ['If-Match: "3" is not the current revision ("4")'] };

/**
 * A server holding one version of `initial` at `/path` (ETag "3"), which someone else changes to
 * `theirs` (ETag "4") just before this person saves: a PUT with the old ETag answers 412.
 */
function serveVersions(path: string, initial: object, theirs: object, extra: (r: RecordedRequest) => [number, unknown] | undefined = () => undefined) {
  let current = { body: initial, etag: '"3"' };
  let changedByOther = false;
  const requests = stubFetch((request) => {
    const { method, url, body, headers } = request;
    const at = new URL(url).pathname;
    if (at.endsWith(path) && method === 'GET') return [200, current.body, { etag: current.etag }];
    if (at.endsWith(path) && method === 'PUT') {
      if (!changedByOther) {
        changedByOther = true;
        current = { body: { ...initial, ...theirs }, etag: '"4"' };
      }
      if (headers['if-match'] !== current.etag) return [412, PRECONDITION_FAILED];
      current = { body: { ...current.body, ...(body as object) }, etag: '"5"' };
      return [200, current.body, { etag: current.etag }];
    }
    return extra(request) ?? [404, { error: `unexpected ${method} ${at}` }];
  });
  return { requests, puts: () => requests.filter((r) => r.method === 'PUT') };
}

/** What the task form reads besides the task: its project, the groups, schedule previews. */
function taskFormNeeds({ method, url }: RecordedRequest): [number, unknown] | undefined {
  const at = new URL(url).pathname;
  if (method === 'GET' && at.endsWith('/projects/p1')) return [200, PROJECT];
  if (method === 'GET' && at.endsWith('/task-groups')) return [200, []];
  if (method === 'POST' && at.endsWith('/schedules/preview')) return [200, { timezone: 'UTC', occurrences: [] }];
  return undefined;
}

const access = { label: 'admin', canEdit: true, isAdmin: true };
const conflict = () => screen.findByRole('alert', { name: 'Edit conflict' });

describe('editors and concurrent changes', () => {
  beforeAll(() => {
    window.scrollTo = jest.fn() as unknown as typeof window.scrollTo;
  });

  it('the task form sends If-Match; on 412 it compares the fields and can save over the current version', async () => {
    const server = serveVersions('/tasks/t1', TASK, { timeout_seconds: 900, status: 'DISABLED', description: 'theirs' }, taskFormNeeds);
    renderWithQueries(<TaskFormPage projectId="p1" taskId="t1" access={access} />);
    await screen.findByRole('heading', { name: 'Edit backup' });
    fireEvent.change(screen.getByLabelText('Name (executors route by it)'), { target: { value: 'backup-db' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    const shown = await conflict();
    expect(shown.textContent).toMatch(/changed by someone else since you opened it/);
    expect(server.puts().map((r) => r.headers['if-match'])).toEqual(['"3"']);
    fireEvent.click(within(shown).getByRole('button', { name: 'Compare' }));
    const table = await within(shown).findByRole('table', { name: 'Your changes beside the current values' });
    const row = (label: string) => within(table).getByRole('row', { name: new RegExp(`^${label}`) });
    expect(within(row('Name')).getAllByRole('cell').map((c) => c.textContent)).toEqual(['backup-db', 'backup']);
    expect(within(row('Timeout')).getAllByRole('cell').map((c) => c.textContent)).toEqual(['600', '900']);
    expect(within(row('Status')).getAllByRole('cell').map((c) => c.textContent)).toEqual(['ACTIVE', 'DISABLED']);
    expect(row('Status').className).toBe('differs');
    expect(row('Execution mode').className).toBe('');

    fireEvent.click(within(shown).getByRole('button', { name: 'Save mine over the current values' }));
    await waitFor(() => expect(server.puts()).toHaveLength(2));
    expect(server.puts()[1]!.headers['if-match']).toBe('"4"');
    // The fields compared are this person's; those the form does not show are kept as they are now.
    expect(server.puts()[1]!.body).toMatchObject({ name: 'backup-db', timeout_seconds: 600, status: 'ACTIVE', description: 'theirs' });
  });

  it('the task form reloads the current version on request, dropping the edits', async () => {
    serveVersions('/tasks/t1', TASK, { name: 'backup-renamed', timeout_seconds: 900 }, taskFormNeeds);
    renderWithQueries(<TaskFormPage projectId="p1" taskId="t1" access={access} />);
    await screen.findByRole('heading', { name: 'Edit backup' });
    fireEvent.change(screen.getByLabelText(/^Timeout/), { target: { value: '60' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    fireEvent.click(within(await conflict()).getByRole('button', { name: 'Reload (discard my changes)' }));
    await screen.findByRole('heading', { name: 'Edit backup-renamed' });
    expect((screen.getByLabelText(/^Timeout/) as HTMLInputElement).value).toBe('900');
    expect(screen.queryByRole('alert', { name: 'Edit conflict' })).toBeNull();
  });

  it('the group editor edits the version it loaded, with If-Match, and reloads on a conflict', async () => {
    const server = serveVersions('/task-groups/g1', GROUP, { name: 'office hours', end_time: '18:00' });
    renderWithQueries(<GroupEditor group={GROUP as never} onDone={() => undefined} />);
    const form = await screen.findByRole('form', { name: 'Edit group office' });
    fireEvent.change(within(form).getByLabelText('Window start (optional)'), { target: { value: '08:00' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save group' }));
    const shown = await conflict();
    expect(server.puts()[0]).toMatchObject({ headers: { 'if-match': '"3"' }, body: { name: 'office', start_time: '08:00', end_time: '17:00', description: 'weekdays' } });
    fireEvent.click(within(shown).getByRole('button', { name: 'Compare' }));
    const table = await within(shown).findByRole('table');
    expect(within(within(table).getByRole('row', { name: /^Window end/ })).getAllByRole('cell').map((c) => c.textContent)).toEqual(['17:00', '18:00']);
    fireEvent.click(within(shown).getByRole('button', { name: 'Reload (discard my changes)' }));
    const reloaded = await screen.findByRole('form', { name: 'Edit group office hours' });
    expect((within(reloaded).getByLabelText('Window start (optional)') as HTMLInputElement).value).toBe('09:00');
    expect((within(reloaded).getByLabelText('Window end') as HTMLInputElement).value).toBe('18:00');
  });

  it("the project's settings send If-Match and show a conflict with the current values", async () => {
    const server = serveVersions('/projects/p1', PROJECT, { timezone: 'Europe/Paris' }, ({ method, url }) => {
      const at = new URL(url).pathname;
      if (method === 'GET' && at.endsWith('/auth/me')) return [200, { user: { id: 'u1', email: 'a@example.com', name: 'A', super_admin: true }, super_admin: true, memberships: [] }];
      if (method === 'GET' && (at.endsWith('/api-keys') || at.endsWith('/signing-secret'))) return [200, []];
      return undefined;
    });
    renderWithQueries(<SettingsPage projectId="p1" access={access} />);
    const details = await screen.findByRole('form', { name: 'Details' });
    fireEvent.change(within(details).getByLabelText('Name'), { target: { value: 'Nightly jobs' } });
    fireEvent.click(within(details).getByRole('button', { name: 'Save details' }));
    const shown = await within(details).findByRole('alert', { name: 'Edit conflict' });
    expect(server.puts()[0]).toMatchObject({ headers: { 'if-match': '"3"' }, body: { name: 'Nightly jobs' } });
    fireEvent.click(within(shown).getByRole('button', { name: 'Compare' }));
    const table = await within(shown).findByRole('table');
    expect(within(within(table).getByRole('row', { name: /^Time zone/ })).getAllByRole('cell').map((c) => c.textContent)).toEqual(['UTC', 'Europe/Paris']);
    fireEvent.click(within(shown).getByRole('button', { name: 'Save mine over the current values' }));
    await waitFor(() => expect(server.puts()).toHaveLength(2));
    expect(server.puts()[1]!.headers['if-match']).toBe('"4"');
  });
});

describe('overlap policies in the editors', () => {
  beforeAll(() => {
    window.scrollTo = jest.fn() as unknown as typeof window.scrollTo;
  });

  it("the group editor sends the group's overlap policy and limit", async () => {
    const server = serveVersions('/task-groups/g1', GROUP, {});
    renderWithQueries(<GroupEditor group={GROUP as never} onDone={() => undefined} />);
    const form = await screen.findByRole('form', { name: 'Edit group office' });
    fireEvent.change(within(form).getByLabelText('When a tick comes while a run is still open'), { target: { value: 'forbid' } });
    fireEvent.change(within(form).getByLabelText("Runs of all the group's tasks open at once (empty: no limit)"), { target: { value: '3' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save group' }));
    await waitFor(() => expect(server.puts().length).toBeGreaterThan(0));
    expect(server.puts()[0]!.body).toMatchObject({ overlap_policy: 'forbid', max_queued: null, max_concurrent: 3 });
  });

  it("the project's settings send its default overlap policy", async () => {
    const server = serveVersions('/projects/p1', { ...PROJECT, overlap_policy: 'allow', max_queued: null }, {}, ({ method, url }) => {
      const at = new URL(url).pathname;
      if (method === 'GET' && at.endsWith('/auth/me')) return [200, { user: { id: 'u1', email: 'a@example.com', name: 'A', super_admin: true }, super_admin: true, memberships: [] }];
      if (method === 'GET' && (at.endsWith('/api-keys') || at.endsWith('/signing-secret'))) return [200, []];
      return undefined;
    });
    renderWithQueries(<SettingsPage projectId="p1" access={access} />);
    const form = await screen.findByRole('form', { name: 'Overlapping runs' });
    fireEvent.change(within(form).getByLabelText('When a tick comes while a run is still open'), { target: { value: 'queue' } });
    fireEvent.change(within(form).getByLabelText('Ticks that may wait (1–100; empty: 1)'), { target: { value: '4' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save overlap policy' }));
    await waitFor(() => expect(server.puts().length).toBeGreaterThan(0));
    expect(server.puts()[0]!.body).toEqual({ overlap_policy: 'queue', max_queued: 4 });
  });
});

describe("a group's history", () => {
  it('shows the group audit timeline on the project page', async () => {
    const requests = stubFetch(({ method, url }) => {
      const at = new URL(url).pathname;
      if (method !== 'GET') return [404, { error: 'unexpected' }];
      if (at.endsWith('/projects/p1')) return [200, PROJECT];
      if (at.endsWith('/projects/p1/tasks')) return [200, []];
      if (at.endsWith('/projects/p1/task-groups')) return [200, [GROUP]];
      if (at.endsWith('/auth/me')) return [200, { user: { id: 'u1', email: 'a@example.com', name: 'A', super_admin: false }, super_admin: false, memberships: [] }];
      if (at.endsWith('/task-groups/g1/audit')) {
        const entry = (type: string, revision: number, actor: string) => ({ type, revision, position: String(10 + revision), occurred_at: `2026-03-01T0${revision}:00:00.000Z`, actor, correlation_id: 'c', causation_id: 'c', data: {} });
        return [200, { data: [entry('TaskGroupCreated', 0, 'u1'), entry('TaskGroupStopped', 1, 'system:group-windows')], next_cursor: null }];
      }
      return [404, { error: `unexpected ${at}` }];
    });
    const { ProjectPage } = await import('../../web/src/pages/ProjectPage');
    renderWithQueries(<ProjectPage projectId="p1" access={access} />);
    const section = await screen.findByRole('region', { name: 'Group office' });
    fireEvent.click(within(section).getByRole('button', { name: 'History' }));
    // Actors are named once the signed-in person is known.
    await waitFor(() =>
      expect(within(section).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
        expect.stringMatching(/TaskGroupCreated by you$/),
        expect.stringMatching(/TaskGroupStopped by system \(group-windows\)$/),
      ]),
    );
    expect(requests.find((r) => r.url.includes('/task-groups/g1/audit'))?.url).toMatch(/limit=100/);
  });
});
