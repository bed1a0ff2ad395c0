import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { badVariants, mutatingRoutes, type SpecRoute } from '../support/openapi-bodies';
import { stateHash } from '../support/quiesce';
import { logInAs, startServerWithAdmin, TEST_ADMIN } from '../support/signed-in';
import { createProject, taskBody, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { strongPassword } from '../support/passwords';

/**
 * Bad input on every mutating route of the OpenAPI spec gets exactly the status DESIGN.md names
 * (400 invalid, 404 unknown, 409 conflict, 413 too large) and an error naming the field, and changes
 * nothing: the event store and every read model hash the same before and after the whole run.
 *
 * Bodies are read as JSON whatever their Content-Type (as the original API did), so there is no 415.
 * The original API's routes (COMPAT.md) ignore unknown fields, so those are not refused there.
 */

/** Routes of the original API whose bodies are read tolerantly (COMPAT.md). */
const COMPAT_ROUTES = new Set([
  'POST /projects',
  'PUT /projects/{project_id}',
  'POST /projects/{project_id}/tasks',
  'PUT /projects/{project_id}/tasks/{task_uuid}',
  'DELETE /projects/{project_id}/tasks/{task_uuid}',
  'PATCH /projects/{project_id}/tasks/{task_uuid}/status',
  'POST /projects/{project_id}/tasks/{task_uuid}/trigger',
  'POST /projects/{project_id}/task-groups',
  'PUT /projects/{project_id}/task-groups/{group_uuid}',
  'DELETE /projects/{project_id}/task-groups/{group_uuid}',
  'POST /projects/{project_id}/task-groups/{group_uuid}/start',
  'POST /projects/{project_id}/task-groups/{group_uuid}/stop',
  'POST /executions/{execution_uuid}/logs',
  'PATCH /executions/{execution_uuid}/status',
]);

interface Fixtures {
  project: TestProject;
  otherProjectName: string;
  taskId: string;
  taskName: string;
  otherTaskName: string;
  groupId: string;
  executionId: string;
  userId: string;
  keyId: string;
  /** Another session of the admin's (not the one the requests are sent with). */
  sessionId: string;
  memberEmail: string;
}

/** A valid body for each mutating route (null: the route takes none). A route missing here fails the suite. */
const VALID_BODIES: Record<string, (fx: Fixtures) => Record<string, unknown> | null> = {
  'POST /auth/login': () => ({ email: 'nobody@example.com', password: 'not-the-password' }),
  'POST /auth/logout': () => null,
  'DELETE /auth/sessions/{session_id}': () => null,
  'POST /auth/password': () => ({ current_password: 'not the current password', new_password: strongPassword('renewed') }),
  'POST /auth/invitations/{token}/accept': () => ({ name: 'Invited', password: 'invited-password' }),
  'POST /users': () => ({ email: `new-${randomUUID()}@example.com`, name: 'New', password: strongPassword('new') }),
  'PATCH /users/{user_id}': () => ({ name: 'Renamed' }),
  'POST /projects': () => ({ name: `Project ${randomUUID()}`, description: 'd', execution_endpoint: 'https://example.com/run', timezone: 'UTC' }),
  'PUT /projects/{project_id}': () => ({ name: 'Renamed project', description: 'd', alert_emails: 'a@example.com', retention_days: 7 }),
  'PUT /projects/{project_id}/members/{email}': () => ({ role: 'viewer' }),
  'DELETE /projects/{project_id}/members/{email}': () => null,
  'PUT /projects/{project_id}/members/{email}/alerts': () => ({ alerts: true }),
  'POST /projects/{project_id}/api-keys': () => ({ name: 'k', scope: 'read' }),
  'DELETE /projects/{project_id}/api-keys/{key_id}': () => null,
  'POST /projects/{project_id}/signing-secret/rotate': () => null,
  'POST /projects/{project_id}/public-links/rotate': () => null,
  'PUT /projects/{project_id}/public-links/status-page': (fx) => ({ enabled: true, task_ids: [fx.taskId] }),
  'POST /projects/{project_id}/ping-key/rotate': () => null,
  'PUT /projects/{project_id}/alert-channels/{channel_id}': () => ({ type: 'slack', name: 'Ops', url: 'http://localhost:9/slack/services/x' }),
  'DELETE /projects/{project_id}/alert-channels/{channel_id}': () => null,
  'POST /projects/{project_id}/alert-channels/{channel_id}/test': () => null,
  'PUT /projects/{project_id}/calendars/{calendar_id}': () => ({ name: 'Holidays', dates: ['2026-12-25'] }),
  'POST /projects/{project_id}/calendars/{calendar_id}/import': () => ({ ics: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n', timezone: 'UTC', name: 'Holidays' }),
  'DELETE /projects/{project_id}/calendars/{calendar_id}': () => null,
  'PUT /projects/{project_id}/maintenance-windows/{window_id}': () => ({ name: 'Release', scope: 'project', effect: 'pause', cron_expression: '0 2 * * 0', timezone: 'UTC', duration_minutes: 60 }),
  'DELETE /projects/{project_id}/maintenance-windows/{window_id}': () => null,
  'POST /projects/{project_id}/tasks/{task_uuid}/snooze': () => ({ until: '2026-03-03T08:00:00Z' }),
  'DELETE /projects/{project_id}/tasks/{task_uuid}/snooze': () => null,
  'POST /projects/{project_id}/task-groups/{group_uuid}/snooze': () => ({ until: '2026-03-03T08:00:00Z' }),
  'DELETE /projects/{project_id}/task-groups/{group_uuid}/snooze': () => null,
  'POST /projects/{project_id}/tasks': () =>
    taskBody({ description: 'd', timeout_seconds: 60, metadata: { k: 'v' }, alert_policy: { after_failures: 1, notify_recovery: true }, tags: ['nightly', 'billing'],
      duration_alerts: { max_run_seconds: 600, slower_than_p95_factor: 2.5, p95_window_runs: 20, max_start_delay_seconds: 60 },
      overlap_policy: 'queue', max_queued: 2, max_concurrent: 3, calendar: { calendar_id: 'holidays', mode: 'skip' },
      retry: { max_attempts: 3, backoff: 'exponential', delay_seconds: 10, max_delay_seconds: 60, jitter: true, on: ['FAILED'], alert: 'exhausted' } }),
  'PUT /projects/{project_id}/tasks/{task_uuid}': (fx) => taskBody({ name: fx.taskName, description: 'changed' }),
  'DELETE /projects/{project_id}/tasks/{task_uuid}': () => null,
  'PATCH /projects/{project_id}/tasks/{task_uuid}/status': () => ({ status: 'DISABLED' }),
  'POST /projects/{project_id}/tasks/{task_uuid}/trigger': () => null,
  'POST /projects/{project_id}/task-groups': () => ({ name: 'g2', description: 'd', start_time: '09:00', end_time: '17:00', timezone: 'UTC', overlap_policy: 'forbid', max_concurrent: 4 }),
  'PUT /projects/{project_id}/task-groups/{group_uuid}': () => ({ name: 'g renamed', timezone: 'UTC' }),
  'DELETE /projects/{project_id}/task-groups/{group_uuid}': () => null,
  'POST /projects/{project_id}/task-groups/{group_uuid}/start': () => null,
  'POST /projects/{project_id}/task-groups/{group_uuid}/stop': () => null,
  'POST /schedules/preview': () => ({ schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 3 * * *', timezone: 'UTC' }, count: 3 }),
  'POST /projects/{project_id}/events/token': () => null,
  'POST /projects/{project_id}/tasks/{task_uuid}/runs': () => null,
  'POST /projects/{project_id}/tasks/by-name/{task_name}/runs': () => null,
  'POST /executions/{execution_uuid}/logs': () => ({ message: 'a line', level: 'info' }),
  'PATCH /executions/{execution_uuid}/status': () => ({ status: 'FAILED', error: 'boom' }),
  'POST /executions/{execution_uuid}/finish': () => ({ status: 'FAILED', error: 'boom', exit_code: 1, duration_ms: 5, metrics: { rows: 1 }, attempt: 1 }),
  'POST /executions/{execution_uuid}/cancel': () => null,
  'POST /projects/{project_id}/executions/claim': () => ({ limit: 1, wait_seconds: 0, worker_id: 'w', task_names: ['t'] }),
};

/** Fields whose too-long value is "too large" (413) rather than invalid: log lines (src/commands/execution/log-batch.ts). */
const TOO_LARGE_FIELDS: Record<string, string[]> = {
  'POST /executions/{execution_uuid}/logs': ['message'],
};

/** The value of each path parameter for calls that must otherwise succeed. */
const PARAM_VALUES: Record<string, (fx: Fixtures) => string> = {
  project_id: (fx) => fx.project.id,
  task_uuid: (fx) => fx.taskId,
  group_uuid: (fx) => fx.groupId,
  execution_uuid: (fx) => fx.executionId,
  user_id: (fx) => fx.userId,
  key_id: (fx) => fx.keyId,
  session_id: (fx) => fx.sessionId,
  email: (fx) => fx.memberEmail,
  channel_id: () => 'ops-slack',
  calendar_id: () => 'holidays',
  window_id: () => 'release',
  task_name: (fx) => encodeURIComponent(fx.taskName),
  token: () => 'not-a-real-invitation-token',
};

/** Ids that name nothing: well-formed unknown ones answer 404, and malformed ones the same 404 (COMPAT.md ids). */
const MALFORMED_IDS = ['not-a-uuid', 'x'.repeat(300), '%00', '%20', 'caf%C3%A9'];
const unknownValue = (param: string) => (param === 'email' ? `unknown-${randomUUID()}@example.com` : param === 'task_name' ? `no-such-task-${randomUUID()}` : randomUUID());

describe('bad input on every mutating route of the spec', () => {
  const clock = new ManualClock('2026-03-02T08:00:00Z');
  let server: TestServer;
  let admin: ApiClient;
  let fx: Fixtures;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const routes = mutatingRoutes();
  const failures: string[] = [];
  let sent = 0;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    const created = async (path: string, body: unknown) => {
      const response = await admin.post(path, body);
      if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const project = await createProject(admin, { name: 'Bad input' });
    const otherProjectName = `Other ${randomUUID()}`;
    await createProject(admin, { name: otherProjectName });
    const task = await created(`/projects/${project.id}/tasks`, taskBody({ name: 'bad-input-task' }));
    const otherTask = await created(`/projects/${project.id}/tasks`, taskBody({ name: 'other-task' }));
    const group = await created(`/projects/${project.id}/task-groups`, { name: 'g' });
    const execution = await created(`/projects/${project.id}/tasks/${task.id}/trigger`, undefined);
    const user = await created('/users', { email: 'target@example.com', name: 'Target', password: 'target-password' });
    const key = await created(`/projects/${project.id}/api-keys`, { name: 'to keep', scope: 'read' });
    const memberEmail = 'member@example.com';
    if ((await admin.put(`/projects/${project.id}/members/${memberEmail}`, { role: 'viewer' })).status !== 200) throw new Error('adding a member failed');
    if ((await admin.put(`/projects/${project.id}/alert-channels/ops-slack`, { type: 'slack', name: 'Ops', url: 'http://localhost:9/slack/services/x' })).status !== 200) throw new Error('adding an alert channel failed');
    if ((await admin.put(`/projects/${project.id}/calendars/holidays`, { name: 'Holidays', dates: ['2026-12-25'] })).status !== 200) throw new Error('adding a calendar failed');
    await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    const sessions = (await admin.get('/auth/sessions')).body as { data: Array<{ id: string; current: boolean }> } | Array<{ id: string; current: boolean }>;
    const otherSession = (Array.isArray(sessions) ? sessions : sessions.data).find((session) => !session.current);
    if (!otherSession) throw new Error('a second session of the admin was not listed');
    fx = {
      project,
      otherProjectName,
      taskId: task.id,
      taskName: task.name,
      otherTaskName: otherTask.name,
      groupId: group.id,
      executionId: execution.data.execution_uuid,
      userId: user.id,
      keyId: key.id,
      sessionId: otherSession.id,
      memberEmail,
    };
  }, 60_000);

  afterAll(async () => {
    agent.destroy();
    await server?.stop();
  });

  /** One request with a raw body, as the admin's session (refused input must not depend on who sends it). */
  /** A body sent in pieces without a Content-Length (chunked), so its size is known only while it is read. */
  class Chunked {
    constructor(readonly bytes: Buffer) {}
  }

  function send(method: string, path: string, body?: string | Buffer | Chunked): Promise<{ status: number; json: { error?: unknown } | null; text: string }> {
    sent++;
    const token = (admin.credentials as { token: string }).token;
    return new Promise((resolve, reject) => {
      const req = request(
        `${server.url}/api/v1${path}`,
        {
          method,
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            // Node frames a DELETE's body only when told to (it sends no chunked encoding by default for DELETE).
            ...(body === undefined ? {} : body instanceof Chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json = null;
            try {
              json = JSON.parse(text);
            } catch {
              // Checked below: every error answer is JSON.
            }
            resolve({ status: res.statusCode!, json, text });
          });
        },
      );
      // The server may answer (413) and close before a huge body is sent: that is its answer.
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
      if (!(body instanceof Chunked)) return req.end(body);
      const piece = 64 * 1024;
      const write = (offset: number): void => {
        if (offset >= body.bytes.length || req.destroyed) return void req.end();
        if (req.write(body.bytes.subarray(offset, offset + piece))) write(offset + piece);
        else req.once('drain', () => write(offset + piece));
      };
      write(0);
    });
  }

  function pathOf(route: SpecRoute, overrides: Record<string, string> = {}): string {
    return route.path.replace(/\{(\w+)\}/g, (_, param: string) => overrides[param] ?? PARAM_VALUES[param]!(fx));
  }

  /** Checks one answer; a wrong one is collected (all are listed at the end, not just the first). */
  async function expectAnswer(label: string, method: string, path: string, body: string | Buffer | Chunked | undefined, statuses: number[], names?: string) {
    const response = await send(method, path, body);
    const problems: string[] = [];
    if (!statuses.includes(response.status)) problems.push(`status ${response.status}, expected ${statuses.join(' or ')}`);
    if (typeof response.json?.error !== 'string') problems.push('no {error} body');
    else if (names && !response.text.includes(JSON.stringify(names).slice(1, -1))) problems.push(`the answer does not name ${names}`);
    if (problems.length > 0) failures.push(`${method} ${path.slice(0, 120)} — ${label}: ${problems.join('; ')}: ${response.text.slice(0, 300)}`);
  }

  /** DELETE of a task that is not there: 200 ALREADY_DELETED, or one of `alsoAccepted` with an error body. */
  async function expectAlreadyDeleted(path: string, alsoAccepted: number[] = []) {
    const response = await send('DELETE', path);
    const alreadyDeleted = response.status === 200 && (response.json as { status?: unknown } | null)?.status === 'ALREADY_DELETED';
    if (!alreadyDeleted && !(alsoAccepted.includes(response.status) && typeof response.json?.error === 'string')) {
      failures.push(`DELETE ${path.slice(0, 120)} — a task that is not there: expected 200 ALREADY_DELETED: ${response.status} ${response.text.slice(0, 300)}`);
    }
  }

  it('has a valid body for every mutating route of the spec, and a value for every path parameter', () => {
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((r) => !(r.name in VALID_BODIES)).map((r) => r.name)).toEqual([]);
    expect(Object.keys(VALID_BODIES).filter((name) => !routes.some((r) => r.name === name))).toEqual([]);
    expect([...new Set(routes.flatMap((r) => r.params))].filter((param) => !(param in PARAM_VALUES))).toEqual([]);
  });

  it('answers every bad input with its exact status and a message naming the field, and changes nothing', async () => {
    const started = Date.now();
    const before = await stateHash(server);
    const twentyMegabytes = Buffer.from(`{"name":"${'x'.repeat(20 * 1024 * 1024)}"}`);
    const deep = `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;

    for (const route of routes) {
      const { method, name } = route;
      const path = pathOf(route);
      const valid = VALID_BODIES[name]!(fx);
      const validText = valid === null ? undefined : JSON.stringify(valid);

      // The body as a whole.
      for (const [label, raw] of [
        ['malformed JSON', '{"name": '],
        ['a trailing comma', '{"name": "x",}'],
        ['a NUL byte', '\u0000'],
        ['a form-encoded body', 'name=x&status=ACTIVE'],
        ['nesting 10,000 levels deep', deep],
      ] as const) {
        await expectAnswer(label, method, path, raw, [400]);
      }
      await expectAnswer('a 20 MB body', method, path, twentyMegabytes, [413]);
      await expectAnswer('a 20 MB body in chunks', method, path, new Chunked(twentyMegabytes), [413]);

      if (valid !== null && route.body) {
        for (const [label, whole] of [['null', 'null'], ['an array', '[]'], ['a string', '"text"'], ['a number', '42']] as const) {
          await expectAnswer(`a body that is ${label}`, method, path, whole, [400]);
        }
        for (const variant of badVariants(route.body, valid, !COMPAT_ROUTES.has(name))) {
          const status = variant.kind === '1 MB string' && TOO_LARGE_FIELDS[name]?.includes(variant.leaf) ? 413 : 400;
          await expectAnswer(`${variant.kind} in ${variant.field}`, method, path, JSON.stringify(variant.body), [status], status === 400 ? variant.leaf : undefined);
        }
      }

      // Ids that name nothing, one path parameter at a time, with an otherwise valid request.
      for (const param of route.params) {
        if (param === 'token') {
          await expectAnswer('an unknown invitation', method, pathOf(route, { token: randomUUID() }), validText, [404]);
          continue;
        }
        if (name === 'DELETE /projects/{project_id}/tasks/{task_uuid}' && param === 'task_uuid') {
          // The original API's answer for a task that is not there, whatever its id (COMPAT.md).
          await expectAlreadyDeleted(pathOf(route, { task_uuid: randomUUID() }));
          for (const id of MALFORMED_IDS) await expectAlreadyDeleted(pathOf(route, { task_uuid: id }));
          continue;
        }
        // Naming a new member is an invitation, and a new channel id a new channel, not an unknown id.
        // So is a new calendar or window id (a PUT or an import creates it).
        const clientChosen = param === 'channel_id' || param === 'calendar_id' || param === 'window_id';
        const names = (param === 'email' && name === 'PUT /projects/{project_id}/members/{email}') || (clientChosen && (name.startsWith('PUT ') || name.endsWith('/import')));
        if (!names) {
          await expectAnswer(`an unknown ${param}`, method, pathOf(route, { [param]: unknownValue(param) }), validText, [404]);
        }
        for (const id of MALFORMED_IDS) {
          if (clientChosen && id === 'not-a-uuid') continue; // a well-formed channel, calendar or window id (ids are chosen by the client)
          // An email that is not one is invalid input; any other malformed id is unknown.
          await expectAnswer(`${param} ${JSON.stringify(id.slice(0, 12))}`, method, pathOf(route, { [param]: id }), validText, [param === 'email' || names ? 400 : 404]);
        }
      }
    }

    // Conflicts with what exists: 409, naming what conflicts.
    const conflicts: Array<[string, string, unknown, string]> = [
      ['POST', '/projects', { name: fx.otherProjectName.toUpperCase() }, 'name'],
      ['PUT', `/projects/${fx.project.id}`, { name: fx.otherProjectName }, 'name'],
      ['POST', `/projects/${fx.project.id}/tasks`, taskBody({ name: fx.otherTaskName }), fx.otherTaskName],
      ['PUT', `/projects/${fx.project.id}/tasks/${fx.taskId}`, taskBody({ name: fx.otherTaskName.toUpperCase() }), fx.otherTaskName.toUpperCase()],
      ['POST', '/users', { email: 'target@example.com', name: 'Again', password: strongPassword('again') }, 'target@example.com'],
    ];
    for (const [method, path, body, names] of conflicts) await expectAnswer('a conflict', method, path, JSON.stringify(body), [409], names);

    const elapsed = Date.now() - started;
    // eslint-disable-next-line no-console
    console.log(`bad input: ${routes.length} mutating routes, ${sent} requests in ${elapsed} ms`);
    expect(failures).toEqual([]);
    expect(await stateHash(server)).toBe(before);
    expect((await admin.get('/health')).status).toBe(200);
  }, 120_000);
});
