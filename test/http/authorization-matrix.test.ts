import { randomUUID } from 'node:crypto';
import { deletionStream } from '../../src/events/deletion-events';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { quiesce as quiesceServer } from '../support/quiesce';
import { logInAs, newSignedInUser, startServerWithAdmin, TEST_ADMIN } from '../support/signed-in';
import { apiKeyClient, createProject, taskBody } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import {
  type Call,
  type Caller,
  CALLERS,
  type Endpoint,
  created,
  CROSS_PROJECT,
  expectedStatus,
  type Fixtures,
  FOREIGN_CALLERS,
  MATRIX,
  NAMING_ROWS,
  naming,
  type NamedIds,
  NOT_IN_MATRIX,
  OUTSIDE_SPEC,
  P,
  ruleStatus,
  SELF_AUTHENTICATED,
  SPEC_OPERATIONS,
  specOperationOf,
  specPaths,
  successOf,
} from './authorization-table';

/** Every route against every kind of caller (the table and its rules: authorization-table.ts). */

/** Each row naming a task, group or execution, for each caller of project B told 404. */
const NAMING_CASES = NAMING_ROWS.flatMap((endpoint) =>
  FOREIGN_CALLERS.filter((caller) => expectedStatus(endpoint, caller) === 404).map((caller) => [endpoint.name, caller, endpoint] as const),
);

describe('authorization matrix', () => {
  // Starts more than a session's lifetime (7 days) before the calls: a session opened then has expired by them.
  const clock = new ManualClock('2026-02-22T08:00:00Z');
  let server: TestServer;
  let fx: Fixtures;
  const clients = {} as Record<Caller, ApiClient>;
  /** Everything of project A a caller from project B must never be shown (ids, names, emails, raw keys). */
  const secretsOfA = new Set<string>();
  const cells: Array<{ call: string; caller: Caller; status: number }> = [];

  const quiesce = () => quiesceServer(server);

  /** What was appended after `position` (to say what a refused call changed). */
  async function appendedAfter(position: number | null): Promise<string[]> {
    const events = await server.services.events.readAll({ after: position, maxCount: 20 });
    return events.map((e) => `${e.type} on ${e.streamId} (correlation ${e.metadata.correlationId})`);
  }

  beforeAll(async () => {
    const started = await startServerWithAdmin({ clock });
    server = started.server;
    const expiredSession = await newSignedInUser(started.admin, 'early@example.com', 'early');
    clock.set('2026-03-02T08:00:00Z');
    const superAdmin = await logInAs(server.url, TEST_ADMIN.email, TEST_ADMIN.password);
    const projectAdmin = await newSignedInUser(superAdmin, 'alice@example.com', 'alice');
    const viewer = await newSignedInUser(superAdmin, 'vic@example.com', 'vic');
    const editor = await newSignedInUser(superAdmin, 'ed@example.com', 'ed');
    const outsider = await newSignedInUser(superAdmin, 'olga@example.com', 'olga');
    const target = created(await superAdmin.post('/users', { email: 'target@example.com', name: 'Target', password: 'target-password' }), 'a user');

    // Project A belongs to alice (the super admin is not a member of it); B to olga, the outsider.
    const aName = `Alpha ${randomUUID()}`;
    const bName = `Beta ${randomUUID()}`;
    const a = { ...(await createProject(projectAdmin, { name: aName })), name: aName };
    const b = { ...(await createProject(outsider, { name: bName })), name: bName };
    // The lapsed credentials are of members of A: only the lapse refuses them.
    for (const [email, role] of [['vic@example.com', 'viewer'], ['ed@example.com', 'editor'], ['early@example.com', 'editor']] as const) {
      const response = await projectAdmin.put(`/projects/${a.id}/members/${email}`, { role });
      if (response.status !== 200) throw new Error(`adding ${email} failed: ${response.status}`);
    }
    const ingestKey = await apiKeyClient(projectAdmin, a.id, 'ingest');
    const readKey = await apiKeyClient(projectAdmin, a.id, 'read');
    const writeKey = await apiKeyClient(projectAdmin, a.id, 'write');
    const revoked = created(await projectAdmin.post(`/projects/${a.id}/api-keys`, { name: 'revoked', scope: 'write' }), 'a key').body;
    if ((await projectAdmin.delete(`/projects/${a.id}/api-keys/${revoked.id}`)).status !== 204) throw new Error('revoking a key failed');
    const loggedOutSession = await logInAs(server.url, 'ed@example.com', 'ed plum-orbit-velvet-canyon');
    if ((await loggedOutSession.post('/auth/logout')).status !== 204) throw new Error('logging out failed');

    const remember = (...values: string[]) => values.forEach((v) => secretsOfA.add(v));
    remember(a.id, aName, a.apiKey, 'alice@example.com', 'vic@example.com', 'ed@example.com', 'early@example.com', revoked.id, revoked.api_key);
    for (const key of [ingestKey, readKey, writeKey]) remember((key.credentials as { apiKey: string }).apiKey);
    for (const key of (await projectAdmin.get(`/projects/${a.id}/api-keys`)).body as Array<{ id: string }>) remember(key.id);

    const newNamedTask = async (name = `task-${randomUUID()}`) => {
      const task = created(await projectAdmin.post(`/projects/${a.id}/tasks`, taskBody({ name })), 'a task').body;
      remember(task.id, task.name);
      return { id: task.id as string, name: task.name as string };
    };
    const newTask = async (name?: string) => (await newNamedTask(name)).id;
    const newGroup = async () => {
      const group = created(await projectAdmin.post(`/projects/${a.id}/task-groups`, { name: `group-${randomUUID()}` }), 'a group').body;
      remember(group.id, group.name);
      return group.id as string;
    };
    const taskId = await newTask('the matrix task');
    const groupId = created(await projectAdmin.post(`/projects/${a.id}/task-groups`, { name: 'the matrix group' }), 'a group').body.id as string;
    remember(groupId);
    const newExecution = async () => {
      const id = created(await projectAdmin.post(`/projects/${a.id}/tasks/${taskId}/trigger`), 'an execution').body.data.execution_uuid as string;
      remember(id);
      return id;
    };
    const newApiKey = async () => {
      const key = created(await projectAdmin.post(`/projects/${a.id}/api-keys`, { name: 'to revoke', scope: 'read' }), 'a key').body;
      remember(key.id, key.api_key);
      return key.id as string;
    };
    const newMember = async () => {
      const email = `member-${randomUUID()}@example.com`;
      const response = await projectAdmin.put(`/projects/${a.id}/members/${email}`, { role: 'viewer' });
      if (response.status !== 200) throw new Error(`adding ${email} failed: ${response.status}`);
      remember(email);
      return email;
    };

    // A's badges and status page: the rotate row replaces the token, so each call reads the current one.
    if ((await projectAdmin.post(`/projects/${a.id}/public-links/rotate`)).status !== 200) throw new Error('making public links failed');
    if ((await projectAdmin.put(`/projects/${a.id}/public-links/status-page`, { enabled: true, task_ids: [taskId] })).status !== 200) throw new Error('turning the status page on failed');
    const publicPath = async () => {
      const links = (await projectAdmin.get(`/projects/${a.id}/public-links`)).body as { token: string };
      remember(links.token);
      return `/public/${a.id}/${links.token}`;
    };

    const executionId = await newExecution();
    const logExecutionId = await newExecution();
    if ((await writeKey.post(`/executions/${executionId}/logs`, { lines: [{ message: 'first', level: 'info' }, { message: 'second', level: 'warn' }] })).status !== 200) {
      throw new Error('log lines were refused');
    }

    Object.assign(clients, {
      nobody: new ApiClient(server.url),
      badToken: new ApiClient(server.url, { token: `cos_${randomUUID()}` }),
      outsider,
      viewer,
      editor,
      projectAdmin,
      superAdmin,
      ingestKey,
      readKey,
      writeKey,
      foreignKey: b.executor,
      revokedKey: projectAdmin.as({ apiKey: revoked.api_key as string }),
      expiredSession,
      loggedOutSession,
    } satisfies Record<Caller, ApiClient>);

    fx = {
      a,
      b,
      projectAdmin,
      superAdmin,
      taskId,
      groupId,
      executionId,
      logExecutionId,
      targetUserId: target.body.id as string,
      asOf: '2026-03-02T08:30:00.000Z',
      day: '2026-03-02',
      publicPath,
      newTask: () => newTask(),
      newNamedTask: () => newNamedTask(),
      newGroup,
      newExecution,
      newApiKey,
      newMember,
      remember,
    };
    clock.set('2026-03-02T09:00:00Z');
    await quiesce();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  /** Like ApiClient.request, but also for text bodies (metrics) and open streams (server-sent events). */
  async function send(client: ApiClient, call: Call): Promise<ApiResponse> {
    if (!call.stream && !call.text && call.path !== '/metrics') return client.request(call.method, call.path, call.body);
    const headers: Record<string, string> = {};
    const c = client.credentials;
    if (c && 'token' in c) headers.authorization = `Bearer ${c.token}`;
    if (c && 'apiKey' in c) headers.authorization = c.apiKey;
    const abort = new AbortController();
    const response = await fetch(`${client.baseUrl}/api/v1${call.path}`, { method: call.method, headers, signal: abort.signal });
    let body: unknown;
    if (response.ok && call.stream) {
      abort.abort();
      body = undefined;
    } else {
      const text = await response.text();
      body = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    }
    return { status: response.status, body, headers: response.headers };
  }

  /** Makes the call; on a refusal checks the error body and that the event store did not move. */
  async function callAs(caller: Caller, call: Call, endpoint?: Endpoint): Promise<ApiResponse> {
    const before = await quiesce();
    const response = await send(clients[caller], call);
    cells.push({ call: `${call.method} ${call.path}`, caller, status: response.status });
    if (response.status >= 400) {
      expect(response.body).toEqual(expect.objectContaining({ error: expect.any(String) }));
      const after = await quiesce();
      const appended = after === before ? [] : await appendedAfter(before);
      expect({ call: `${call.method} ${call.path}`, head: after, appended }).toEqual({ call: `${call.method} ${call.path}`, head: before, appended: [] });
    }
    // A public route shows what its link shows to whoever holds the link, whichever credentials come along.
    if (FOREIGN_CALLERS.includes(caller) && endpoint?.rule.kind !== 'public') expectNothingOfA(call, response);
    return response;
  }

  /** A caller from project B is shown nothing of project A beyond what it named in the request. */
  function expectNothingOfA(call: Call, response: ApiResponse): void {
    const text = JSON.stringify(response.body ?? '');
    const named = call.path + JSON.stringify(call.body ?? '');
    const leaked = [...secretsOfA].filter((secret) => !named.includes(secret) && text.includes(secret));
    expect({ call: `${call.method} ${call.path}`, leaked }).toEqual({ call: `${call.method} ${call.path}`, leaked: [] });
  }

  it('writes down every rule the same way twice (the literal table agrees with the rules)', () => {
    const disagreements = MATRIX.flatMap((endpoint) =>
      CALLERS.flatMap((caller) => {
        const want = ruleStatus(endpoint.rule, caller, successOf(endpoint.expected));
        const table = expectedStatus(endpoint, caller);
        return table === want ? [] : [`${endpoint.name} as ${caller}: table ${table}, rules ${want}`];
      }),
    );
    expect(disagreements).toEqual([]);
  });

  const rows = MATRIX.flatMap((endpoint) => CALLERS.map((caller) => ({ endpoint, caller, status: expectedStatus(endpoint, caller) })));

  describe.each([...new Set(MATRIX.map((e) => e.family))])('%s', (family) => {
    it.each(rows.filter((row) => row.endpoint.family === family).map((row) => [row.endpoint.name, row.caller, row.status, row] as const))(
      '%s as %s → %d',
      async (_name, caller, status, row) => {
        const call = await row.endpoint.call(fx);
        const response = await callAs(caller, call, row.endpoint);
        expect({ call: `${call.method} ${call.path}`, caller, status: response.status }).toEqual({ call: `${call.method} ${call.path}`, caller, status });
      },
    );
  });

  describe('a task or group of project A named under project B', () => {
    it.each(CROSS_PROJECT.flatMap((row) => (['outsider', 'foreignKey'] as const).map((caller) => [row.name, caller, row] as const)))(
      '%s as %s (of project B) is refused',
      async (_name, caller, row) => {
        const call = await row.call(fx);
        const response = await callAs(caller, call);
        expect({ call: `${call.method} ${call.path}`, status: response.status }).toEqual({ call: `${call.method} ${call.path}`, status: row.status ?? 404 });
      },
    );
  });

  describe('a task, group or execution of project A, live, deleted or unknown, reads alike to project B', () => {
    let variants: Array<[string, NamedIds]>;

    beforeAll(async () => {
      const task = await fx.newNamedTask();
      const execution = created(await fx.projectAdmin.post(`${P(fx)}/tasks/${task.id}/trigger`), 'an execution').body.data.execution_uuid as string;
      const group = await fx.newGroup();
      fx.remember(execution);
      if ((await fx.projectAdmin.delete(`${P(fx)}/tasks/${task.id}`)).status !== 202) throw new Error('deleting a task failed');
      if ((await fx.projectAdmin.delete(`${P(fx)}/task-groups/${group}`)).status !== 204) throw new Error('deleting a group failed');
      // The execution goes with its task: once the deletion has run, both streams are tombstones.
      const deletion = () => server.services.events.readStream(deletionStream(task.id)).catch(() => []);
      await waitFor(async () => (await deletion()).some((e) => e.type === 'TaskDeletionCompleted'), { what: 'the deletion of the task', timeoutMs: 20_000 });
      variants = [
        ['live', { task: { id: fx.taskId, name: 'the matrix task' }, group: fx.groupId, execution: fx.executionId }],
        ['deleted', { task, group, execution }],
        ['unknown', { task: { id: randomUUID(), name: `task-${randomUUID()}` }, group: randomUUID(), execution: randomUUID() }],
      ];
    }, 30_000);

    it.each(NAMING_CASES)('%s as %s: the same 404 for each', async (_name, caller, endpoint) => {
      const answers = [];
      for (const [which, ids] of variants) {
        const call = await endpoint.call(naming(fx, ids));
        const response = await callAs(caller, call);
        // The id the caller sent may be named back; anything else must be the same.
        let body = JSON.stringify(response.body);
        for (const id of [ids.task.id, encodeURIComponent(ids.task.name), ids.task.name, ids.group, ids.execution]) body = body.split(id).join('<id>');
        answers.push({ which, status: response.status, body });
      }
      const first = answers[0]!;
      expect(answers).toEqual(variants.map(([which]) => ({ which, status: 404, body: first.body })));
    });
  });

  it('shows a caller of project B none of project A in the project list', async () => {
    const list = await clients.outsider.get('/projects');
    expectNothingOfA({ method: 'GET', path: '/projects' }, list);
    const ids = list.body.map((p: { id: string }) => p.id);
    expect(ids).toContain(fx.b.id);
    expect(ids).not.toContain(fx.a.id);
  });

  it('left project A as its admin made it: the refused calls changed nothing it shows', async () => {
    const task = await fx.projectAdmin.get(`/projects/${fx.a.id}/tasks/${fx.taskId}`);
    expect(task.body).toMatchObject({ name: 'the matrix task', status: 'ACTIVE', project_id: fx.a.id });
    const group = await fx.projectAdmin.get(`/projects/${fx.a.id}/task-groups/${fx.groupId}`);
    expect(group.body).toMatchObject({ name: 'the matrix group', project_id: fx.a.id });
  });

  it('has a row for every operation of the spec (a new route needs its row here), and no row for a route the spec lacks', () => {
    const covered = new Set(MATRIX.map((e) => specOperationOf(e.name)));
    const missing = SPEC_OPERATIONS.filter((operation) => !covered.has(operation) && !(operation in NOT_IN_MATRIX));
    const stale = [...MATRIX.map((e) => e.name), ...Object.keys(NOT_IN_MATRIX)]
      .filter((name) => !OUTSIDE_SPEC.has(name) && !SPEC_OPERATIONS.includes(specOperationOf(name)));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it("agrees with the spec's security of each operation (who may present which credential)", () => {
    const operations = specPaths as Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
    const mismatches = MATRIX.filter((e) => !OUTSIDE_SPEC.has(e.name) && !(e.name in SELF_AUTHENTICATED)).flatMap((endpoint) => {
      const [method, path] = specOperationOf(endpoint.name).split(' ') as [string, string];
      const schemes = new Set((operations[path]![method.toLowerCase()]!.security ?? []).flatMap((s) => Object.keys(s)));
      const { rule } = endpoint;
      const keys = rule.kind === 'signedIn' || rule.kind === 'reader' || (rule.kind === 'project' && rule.keys);
      const want = rule.kind === 'public' ? [] : keys ? ['apiKey', 'user'] : ['user'];
      const got = [...schemes].sort();
      return got.join() === want.join() ? [] : [`${endpoint.name}: the spec says ${got.join(', ') || 'no credential'}, the row ${want.join(', ') || 'no credential'}`];
    });
    expect(mismatches).toEqual([]);
  });

  it('reports its size', () => {
    // eslint-disable-next-line no-console
    console.log(
      `authorization matrix: ${MATRIX.length} endpoints × ${CALLERS.length} callers = ${MATRIX.length * CALLERS.length} cells, ` +
        `${CROSS_PROJECT.length * 2} cross-project cells, ${NAMING_CASES.length * 3} live/deleted/unknown cells; ran ${cells.length}`,
    );
    expect(cells.length).toBe(MATRIX.length * CALLERS.length + CROSS_PROJECT.length * 2 + NAMING_CASES.length * 3);
  });
});
