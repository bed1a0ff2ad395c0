import { randomUUID } from 'node:crypto';
import openApiSpec from '../../src/http/generated/swagger.json';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { quiesce as quiesceServer } from '../support/quiesce';
import { newSignedInUser, startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, taskBody, type TestProject } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

/**
 * Who may call what: every route family against every kind of caller, with the status each one must
 * get. The table below is written from the permission rules (src/auth/principal.ts), not from what the
 * server answers:
 * - a super admin may do everything; a user who is not a member of the project gets 404 (the project is
 *   not revealed); a member whose role lacks the permission gets 403;
 * - roles: viewer reads; editor reads, edits (tasks, groups, trigger, cancel) and reports; admin also
 *   administers (settings, members, keys, signing secret);
 * - keys: `ingest` reports only, `read` reads, `write` reads, edits and reports; a key never
 *   administers; a key of another project gets 403;
 * - routes that only take a signed-in person (`@Security('user')`: accounts, project list/creation and
 *   the admin routes) do not take an API key as a credential at all: 401, as for no credentials
 *   (test/http/access/api-keys.test.ts pins this).
 * A refused call must leave the event store untouched, and a caller from another project must never be
 * shown anything of this project it did not already name in its request.
 */

const CALLERS = ['nobody', 'badToken', 'outsider', 'viewer', 'editor', 'projectAdmin', 'superAdmin', 'ingestKey', 'readKey', 'writeKey', 'foreignKey'] as const;
type Caller = (typeof CALLERS)[number];
/** One status per caller, in the order of CALLERS. */
type Statuses = [number, number, number, number, number, number, number, number, number, number, number];

/** Callers that belong to another project (B): whatever they get must not show project A's data. */
const FOREIGN_CALLERS: readonly Caller[] = ['outsider', 'foreignKey'];

/** What a route needs, in the words of the rules; used only to double-check the literal table. */
type Rule =
  | { kind: 'public' }
  | { kind: 'signedIn' } // a person or any valid key
  | { kind: 'person' } // any signed-in person; keys are no credential here
  | { kind: 'superAdmin' }
  | { kind: 'reader' } // not about one project: any user in a project, a super admin, any key that may read
  | { kind: 'project'; permission: 'read' | 'report' | 'edit' | 'admin'; keys: boolean };

interface Fixtures {
  a: TestProject & { name: string };
  b: TestProject & { name: string };
  projectAdmin: ApiClient;
  superAdmin: ApiClient;
  taskId: string;
  groupId: string;
  /** An execution that only gets read (and one that only gets log lines). */
  executionId: string;
  logExecutionId: string;
  targetUserId: string;
  asOf: string;
  day: string;
  // Fresh resources of project A for calls that change or remove them (one per cell).
  newTask(): Promise<string>;
  /** A fresh task and its name (routes by name). */
  newNamedTask(): Promise<{ id: string; name: string }>;
  newGroup(): Promise<string>;
  newExecution(): Promise<string>;
  newApiKey(): Promise<string>;
  newMember(): Promise<string>;
  /** Adds to what callers of project B must never be shown. */
  remember(...values: string[]): void;
}

interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** A server-sent event stream: only the status (and an error body) is read, then the stream is closed. */
  stream?: boolean;
}

interface Endpoint {
  family: string;
  name: string;
  rule: Rule;
  expected: Statuses;
  /** Builds the request; may first create what the call acts on (as project A's admin). */
  call(fx: Fixtures): Call | Promise<Call>;
}

const P = (fx: Fixtures) => `/projects/${fx.a.id}`;

function created(response: ApiResponse, what: string): ApiResponse {
  if (response.status !== 201) throw new Error(`creating ${what} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response;
}

// prettier-ignore
const MATRIX: Endpoint[] = [
  //                                                                                                  none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'public', name: 'GET /health', rule: { kind: 'public' },                                   expected: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], call: () => ({ method: 'GET', path: '/health' }) },
  { family: 'public', name: 'GET /openapi.json', rule: { kind: 'public' },                             expected: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], call: () => ({ method: 'GET', path: '/openapi.json' }) },

  { family: 'schedule preview', name: 'POST /schedules/preview', rule: { kind: 'signedIn' },            expected: [401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    call: () => ({ method: 'POST', path: '/schedules/preview', body: { schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 3 * * *', timezone: 'Europe/Paris' }, count: 3 } }) },

  { family: 'session', name: 'GET /auth/me', rule: { kind: 'person' },                                  expected: [401, 401, 200, 200, 200, 200, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/auth/me' }) },
  { family: 'projects', name: 'GET /projects', rule: { kind: 'person' },                                expected: [401, 401, 200, 200, 200, 200, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/projects' }) },
  { family: 'projects', name: 'POST /projects', rule: { kind: 'person' },                               expected: [401, 401, 201, 201, 201, 201, 201, 401, 401, 401, 401],
    call: () => ({ method: 'POST', path: '/projects', body: { name: `Matrix project ${randomUUID()}` } }) },

  { family: 'admin', name: 'GET /admin/quarantine', rule: { kind: 'superAdmin' },                    expected: [401, 401, 403, 403, 403, 403, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/admin/quarantine' }) },
  { family: 'users admin', name: 'GET /users', rule: { kind: 'superAdmin' },                            expected: [401, 401, 403, 403, 403, 403, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/users' }) },
  { family: 'users admin', name: 'POST /users', rule: { kind: 'superAdmin' },                           expected: [401, 401, 403, 403, 403, 403, 201, 401, 401, 401, 401],
    call: () => ({ method: 'POST', path: '/users', body: { email: `someone-${randomUUID()}@example.com`, name: 'Someone', password: 'someone-password' } }) },
  { family: 'users admin', name: 'PATCH /users/:user', rule: { kind: 'superAdmin' },                    expected: [401, 401, 403, 403, 403, 403, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'PATCH', path: `/users/${fx.targetUserId}`, body: { name: `Target ${randomUUID()}` } }) },

  { family: 'project admin', name: 'GET /projects/:p', rule: { kind: 'project', permission: 'read', keys: true },  expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: P(fx) }) },
  { family: 'project admin', name: 'PUT /projects/:p', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'PUT', path: P(fx), body: { description: `changed ${randomUUID()}` } }) },
  { family: 'members', name: 'PUT /projects/:p/members/:email', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/members/invitee-${randomUUID()}@example.com`, body: { role: 'viewer' } }) },
  { family: 'members', name: 'DELETE /projects/:p/members/:email', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 204, 204, 401, 401, 401, 401],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/members/${await fx.newMember()}` }) },
  // Another member's alert choice; a member's own (any role) is test/process-managers/member-alerts-api.test.ts.
  { family: 'members', name: 'PUT /projects/:p/members/:email/alerts', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: async (fx) => ({ method: 'PUT', path: `${P(fx)}/members/${await fx.newMember()}/alerts`, body: { alerts: true } }) },
  { family: 'api keys', name: 'GET /projects/:p/api-keys', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/api-keys` }) },
  { family: 'api keys', name: 'POST /projects/:p/api-keys', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 201, 201, 401, 401, 401, 401],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/api-keys`, body: { name: 'matrix', scope: 'write' } }) },
  { family: 'api keys', name: 'DELETE /projects/:p/api-keys/:key', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 204, 204, 401, 401, 401, 401],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/api-keys/${await fx.newApiKey()}` }) },
  { family: 'signing secret', name: 'POST /projects/:p/signing-secret/rotate', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/signing-secret/rotate` }) },

  //                                                                                                                    none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'tasks', name: 'GET /projects/:p/tasks', rule: { kind: 'project', permission: 'read', keys: true },         expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks` }) },
  { family: 'tasks', name: 'GET /projects/:p/tasks/:t', rule: { kind: 'project', permission: 'read', keys: true },      expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}` }) },
  { family: 'tasks', name: 'GET /projects/:p/tasks/:t?as_of', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}?as_of=${fx.asOf}` }) },
  { family: 'tasks', name: 'GET /projects/:p/tasks/:t/preview', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}/preview?count=3` }) },
  { family: 'executions page', name: 'GET /projects/:p/tasks/:t/executions', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}/executions?date=${fx.day}` }) },
  { family: 'tasks', name: 'POST /projects/:p/tasks', rule: { kind: 'project', permission: 'edit', keys: true },        expected: [401, 401, 404, 403, 201, 201, 201, 403, 403, 201, 403],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/tasks`, body: taskBody() }) },
  { family: 'tasks', name: 'PUT /projects/:p/tasks/:t', rule: { kind: 'project', permission: 'edit', keys: true },      expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 403],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/tasks/${fx.taskId}`, body: taskBody({ name: 'the matrix task', description: `v ${randomUUID()}` }) }) },
  { family: 'tasks', name: 'PATCH /projects/:p/tasks/:t/status', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 403],
    call: async (fx) => ({ method: 'PATCH', path: `${P(fx)}/tasks/${await fx.newTask()}/status`, body: { status: 'DISABLED' } }) },
  { family: 'tasks', name: 'DELETE /projects/:p/tasks/:t', rule: { kind: 'project', permission: 'edit', keys: true },   expected: [401, 401, 404, 403, 202, 202, 202, 403, 403, 202, 403],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/tasks/${await fx.newTask()}` }) },
  { family: 'tasks', name: 'POST /projects/:p/tasks/:t/trigger', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 201, 201, 201, 403, 403, 201, 403],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/tasks/${fx.taskId}/trigger` }) },

  //                                                                                                                          none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'groups', name: 'GET /projects/:p/task-groups', rule: { kind: 'project', permission: 'read', keys: true },         expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/task-groups` }) },
  { family: 'groups', name: 'GET /projects/:p/task-groups/:g', rule: { kind: 'project', permission: 'read', keys: true },      expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/task-groups/${fx.groupId}` }) },
  { family: 'groups', name: 'GET /projects/:p/task-groups/:g/tasks', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/task-groups/${fx.groupId}/tasks` }) },
  { family: 'groups', name: 'POST /projects/:p/task-groups', rule: { kind: 'project', permission: 'edit', keys: true },        expected: [401, 401, 404, 403, 201, 201, 201, 403, 403, 201, 403],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/task-groups`, body: { name: `group ${randomUUID()}` } }) },
  { family: 'groups', name: 'PUT /projects/:p/task-groups/:g', rule: { kind: 'project', permission: 'edit', keys: true },     expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 403],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/task-groups/${fx.groupId}`, body: { name: 'the matrix group', description: `v ${randomUUID()}` } }) },
  { family: 'groups', name: 'DELETE /projects/:p/task-groups/:g', rule: { kind: 'project', permission: 'edit', keys: true },  expected: [401, 401, 404, 403, 204, 204, 204, 403, 403, 204, 403],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/task-groups/${await fx.newGroup()}` }) },
  { family: 'groups', name: 'POST /projects/:p/task-groups/:g/start', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 403],
    call: async (fx) => ({ method: 'POST', path: `${P(fx)}/task-groups/${await fx.newGroup()}/start` }) },
  { family: 'groups', name: 'POST /projects/:p/task-groups/:g/stop', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 403],
    call: async (fx) => ({ method: 'POST', path: `${P(fx)}/task-groups/${await fx.newGroup()}/stop` }) },

  //                                                                                                                   none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'execution read', name: 'GET /executions/:e', rule: { kind: 'project', permission: 'read', keys: true },      expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `/executions/${fx.executionId}` }) },
  { family: 'execution read', name: 'GET /executions/:e/logs', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `/executions/${fx.executionId}/logs?limit=10` }) },
  { family: 'executor reports', name: 'POST /executions/:e/logs', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 403],
    call: (fx) => ({ method: 'POST', path: `/executions/${fx.logExecutionId}/logs`, body: { message: 'a line', level: 'info' } }) },
  { family: 'executor reports', name: 'PATCH /executions/:e/status', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 403],
    call: async (fx) => ({ method: 'PATCH', path: `/executions/${await fx.newExecution()}/status`, body: { status: 'SUCCESS' } }) },
  { family: 'executor reports', name: 'POST /executions/:e/finish', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 403],
    call: async (fx) => ({ method: 'POST', path: `/executions/${await fx.newExecution()}/finish`, body: { status: 'FAILED', error: 'boom', exit_code: 2, duration_ms: 10 } }) },
  { family: 'cancel', name: 'POST /executions/:e/cancel', rule: { kind: 'project', permission: 'edit', keys: true },     expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 403],
    call: async (fx) => ({ method: 'POST', path: `/executions/${await fx.newExecution()}/cancel` }) },

  { family: 'audit', name: 'GET /projects/:p/audit', rule: { kind: 'project', permission: 'read', keys: true },         expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/audit` }) },
  { family: 'audit', name: 'GET /tasks/:t/audit', rule: { kind: 'project', permission: 'read', keys: true },            expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `/tasks/${fx.taskId}/audit` }) },
  { family: 'audit', name: 'GET /task-groups/:g/audit', rule: { kind: 'project', permission: 'read', keys: true },      expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `/task-groups/${fx.groupId}/audit?as_of=${fx.asOf}` }) },
  { family: 'audit', name: 'GET /executions/:e/audit', rule: { kind: 'project', permission: 'read', keys: true },       expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `/executions/${fx.executionId}/audit` }) },

  { family: 'stats', name: 'GET /projects/:p/executions/stats', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/executions/stats?days=7` }) },
  { family: 'stats', name: 'GET /projects/:p/executions/failed-stats', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/executions/failed-stats?days=7` }) },
  { family: 'stats', name: 'GET /projects/:p/failures', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/failures?date=${fx.day}` }) },
  { family: 'stats', name: 'GET /projects/:p/stats', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/stats?granularity=day&task_id=${fx.taskId}` }) },
  { family: 'stats', name: 'GET /projects/:p/calendar', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/calendar?month=2026-03` }) },
  { family: 'executions page', name: 'GET /projects/:p/executions', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/executions?date=${fx.day}` }) },
  { family: 'executions page', name: 'GET /projects/:p/tasks/:t/history', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}/history?date=${fx.day}` }) },
  { family: 'executor reports', name: 'POST /projects/:p/tasks/:t/runs', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 201, 201, 201, 201, 403, 201, 403], call: async (fx) => ({ method: 'POST', path: `${P(fx)}/tasks/${await fx.newTask()}/runs` }) },
  { family: 'executor reports', name: 'POST /projects/:p/tasks/by-name/:name/runs', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 201, 201, 201, 201, 403, 201, 403],
    call: async (fx) => ({ method: 'POST', path: `${P(fx)}/tasks/by-name/${encodeURIComponent((await fx.newNamedTask()).name)}/runs` }) },
  // A pending pull execution of a fresh task for each caller: the ones allowed claim it, the others change nothing.
  { family: 'executor reports', name: 'POST /projects/:p/executions/claim', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 403],
    call: async (fx) => {
      const task = await fx.newNamedTask();
      const triggered = created(await fx.projectAdmin.post(`${P(fx)}/tasks/${task.id}/trigger`), 'an execution to claim');
      fx.remember(triggered.body.data.execution_uuid);
      return { method: 'POST', path: `${P(fx)}/executions/claim`, body: { task_names: [task.name], wait_seconds: 0, limit: 1, worker_id: 'matrix' } };
    } },
  { family: 'live events', name: 'POST /projects/:p/events/token', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'POST', path: `${P(fx)}/events/token` }) },
  { family: 'live events', name: 'GET /projects/:p/events', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `${P(fx)}/events`, stream: true }) },
  // Installation-wide figures without project labels: any reader (a member of some project, a super admin, a read or write key of any project).
  { family: 'metrics', name: 'GET /metrics', rule: { kind: 'reader' },                                   expected: [401, 401, 200, 200, 200, 200, 200, 403, 200, 200, 200], call: () => ({ method: 'GET', path: '/metrics' }) },
  { family: 'audit', name: 'GET /tasks/:t/alerts', rule: { kind: 'project', permission: 'read', keys: true },          expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 403], call: (fx) => ({ method: 'GET', path: `/tasks/${fx.taskId}/alerts` }) },
];

/**
 * Routes addressed by project B's path but naming one of project A's tasks or groups: B's admin and
 * B's write key may do everything in B, yet A's task or group is not in B (404 unless said otherwise;
 * nothing changes).
 */
const CROSS_PROJECT: Array<{ name: string; status?: number; call(fx: Fixtures): Call | Promise<Call> }> = [
  { name: 'GET /projects/B/tasks/:taskOfA', call: (fx) => ({ method: 'GET', path: `/projects/${fx.b.id}/tasks/${fx.taskId}` }) },
  { name: 'GET /projects/B/tasks/:taskOfA?as_of', call: (fx) => ({ method: 'GET', path: `/projects/${fx.b.id}/tasks/${fx.taskId}?as_of=${fx.asOf}` }) },
  { name: 'GET /projects/B/tasks/:taskOfA/preview', call: (fx) => ({ method: 'GET', path: `/projects/${fx.b.id}/tasks/${fx.taskId}/preview` }) },
  { name: 'GET /projects/B/tasks/:taskOfA/executions', call: (fx) => ({ method: 'GET', path: `/projects/${fx.b.id}/tasks/${fx.taskId}/executions?date=${fx.day}` }) },
  { name: 'PUT /projects/B/tasks/:taskOfA', call: (fx) => ({ method: 'PUT', path: `/projects/${fx.b.id}/tasks/${fx.taskId}`, body: taskBody({ name: 'stolen' }) }) },
  { name: 'PATCH /projects/B/tasks/:taskOfA/status', call: (fx) => ({ method: 'PATCH', path: `/projects/${fx.b.id}/tasks/${fx.taskId}/status`, body: { status: 'DISABLED' } }) },
  { name: 'DELETE /projects/B/tasks/:taskOfA', call: (fx) => ({ method: 'DELETE', path: `/projects/${fx.b.id}/tasks/${fx.taskId}` }) },
  { name: 'POST /projects/B/tasks/:taskOfA/trigger', call: (fx) => ({ method: 'POST', path: `/projects/${fx.b.id}/tasks/${fx.taskId}/trigger` }) },
  { name: 'GET /projects/B/task-groups/:groupOfA', call: (fx) => ({ method: 'GET', path: `/projects/${fx.b.id}/task-groups/${fx.groupId}` }) },
  { name: 'GET /projects/B/task-groups/:groupOfA/tasks', call: (fx) => ({ method: 'GET', path: `/projects/${fx.b.id}/task-groups/${fx.groupId}/tasks` }) },
  { name: 'PUT /projects/B/task-groups/:groupOfA', call: (fx) => ({ method: 'PUT', path: `/projects/${fx.b.id}/task-groups/${fx.groupId}`, body: { name: 'stolen' } }) },
  { name: 'DELETE /projects/B/task-groups/:groupOfA', call: (fx) => ({ method: 'DELETE', path: `/projects/${fx.b.id}/task-groups/${fx.groupId}` }) },
  { name: 'POST /projects/B/task-groups/:groupOfA/start', call: (fx) => ({ method: 'POST', path: `/projects/${fx.b.id}/task-groups/${fx.groupId}/start` }) },
  { name: 'POST /projects/B/task-groups/:groupOfA/stop', call: (fx) => ({ method: 'POST', path: `/projects/${fx.b.id}/task-groups/${fx.groupId}/stop` }) },
  { name: 'GET /projects/B/tasks/:taskOfA/history',
    call: (fx) => ({ method: 'GET', path: `/projects/${fx.b.id}/tasks/${fx.taskId}/history?date=${fx.day}` }) },
  { name: 'GET /projects/B/stats?task_id=:taskOfA', call: (fx) => ({ method: 'GET', path: `/projects/${fx.b.id}/stats?task_id=${fx.taskId}` }) },
  // Joining A's group is an invalid reference in B's task (400 with details), not a way into A.
  { name: 'POST /projects/B/tasks with task_group_id of A', status: 400, call: (fx) => ({ method: 'POST', path: `/projects/${fx.b.id}/tasks`, body: taskBody({ task_group_id: fx.groupId }) }) },
];

/** Routes of the spec that are deliberately not in the matrix, with the reason. */
const NOT_IN_MATRIX: Record<string, string> = {
  'POST /auth/login': 'takes no credentials: test/http/access/auth.test.ts',
  'POST /auth/logout': 'ends the caller\'s own session: test/http/access/auth.test.ts',
  'POST /auth/invitations/{token}/accept': 'authenticated by the one-time link: test/http/access/members.test.ts',
};

const specPaths = openApiSpec.paths as Record<string, Record<string, unknown>>;

/** Served beside the spec rather than described in it. */
const OUTSIDE_SPEC = new Set(['GET /openapi.json']);

/** The spec operation a row calls: `GET /projects/:p/tasks/:t?as_of` → `GET /projects/{project_id}/tasks/{task_uuid}`. */
function specOperationOf(name: string): string {
  const params: Record<string, string> = {
    ':p': '{project_id}',
    ':t': '{task_uuid}',
    ':g': '{group_uuid}',
    ':e': '{execution_uuid}',
    ':user': '{user_id}',
    ':key': '{key_id}',
    ':email': '{email}',
    ':name': '{task_name}',
  };
  return name.replace(/\?.*$/, '').replace(/:[a-z]+/g, (param) => params[param] ?? param);
}

/** Rows whose operation checks its credential itself, so the spec declares none (with the reason). */
const SELF_AUTHENTICATED: Record<string, string> = {
  'GET /projects/:p/events': 'EventSource sends no headers: a session cookie or a short-lived token in the query, checked by the route',
};

/** Every operation of the spec, as `METHOD /path`. */
const SPEC_OPERATIONS = Object.entries(specPaths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));

/** The status the rules give a caller (a second, independent writing of the rules: it checks the table for typos). */
function ruleStatus(rule: Rule, caller: Caller, ok: number): number {
  if (rule.kind === 'public') return ok;
  if (caller === 'nobody' || caller === 'badToken') return 401;
  const isKey = caller.endsWith('Key');
  if (rule.kind === 'signedIn') return ok;
  if (rule.kind === 'person') return isKey ? 401 : ok;
  if (rule.kind === 'superAdmin') return isKey ? 401 : caller === 'superAdmin' ? ok : 403;
  if (rule.kind === 'reader') return caller === 'ingestKey' ? 403 : ok; // every user here is in some project
  if (isKey) {
    if (!rule.keys) return 401;
    if (caller === 'foreignKey') return 403;
    const scopes = { ingestKey: ['report'], readKey: ['read'], writeKey: ['read', 'edit', 'report'] } as Record<string, string[]>;
    return scopes[caller]!.includes(rule.permission) ? ok : 403;
  }
  if (caller === 'superAdmin') return ok;
  if (caller === 'outsider') return 404;
  const roles = { viewer: ['read'], editor: ['read', 'report', 'edit'], projectAdmin: ['read', 'report', 'edit', 'admin'] } as Record<string, string[]>;
  return roles[caller]!.includes(rule.permission) ? ok : 403;
}

function successOf(expected: Statuses): number {
  const ok = expected.find((s) => s < 400);
  if (ok === undefined) throw new Error('every row has a caller that succeeds');
  return ok;
}

describe('authorization matrix', () => {
  const clock = new ManualClock('2026-03-02T08:00:00Z');
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
    const superAdmin = started.admin;
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
    for (const [email, role] of [['vic@example.com', 'viewer'], ['ed@example.com', 'editor']] as const) {
      const response = await projectAdmin.put(`/projects/${a.id}/members/${email}`, { role });
      if (response.status !== 200) throw new Error(`adding ${email} failed: ${response.status}`);
    }
    const ingestKey = await apiKeyClient(projectAdmin, a.id, 'ingest');
    const readKey = await apiKeyClient(projectAdmin, a.id, 'read');
    const writeKey = await apiKeyClient(projectAdmin, a.id, 'write');

    const remember = (...values: string[]) => values.forEach((v) => secretsOfA.add(v));
    remember(a.id, aName, a.apiKey, 'alice@example.com', 'vic@example.com', 'ed@example.com');
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
    if (!call.stream && call.path !== '/metrics') return client.request(call.method, call.path, call.body);
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
  async function callAs(caller: Caller, call: Call): Promise<ApiResponse> {
    const before = await quiesce();
    const response = await send(clients[caller], call);
    cells.push({ call: `${call.method} ${call.path}`, caller, status: response.status });
    if (response.status >= 400) {
      expect(response.body).toEqual(expect.objectContaining({ error: expect.any(String) }));
      const after = await quiesce();
      const appended = after === before ? [] : await appendedAfter(before);
      expect({ call: `${call.method} ${call.path}`, head: after, appended }).toEqual({ call: `${call.method} ${call.path}`, head: before, appended: [] });
    }
    if (FOREIGN_CALLERS.includes(caller)) expectNothingOfA(call, response);
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
      CALLERS.flatMap((caller, i) => {
        const want = ruleStatus(endpoint.rule, caller, successOf(endpoint.expected));
        return endpoint.expected[i] === want ? [] : [`${endpoint.name} as ${caller}: table ${endpoint.expected[i]}, rules ${want}`];
      }),
    );
    expect(disagreements).toEqual([]);
  });

  const rows = MATRIX.flatMap((endpoint) => CALLERS.map((caller, i) => ({ endpoint, caller, status: endpoint.expected[i]! })));

  describe.each([...new Set(MATRIX.map((e) => e.family))])('%s', (family) => {
    it.each(rows.filter((row) => row.endpoint.family === family).map((row) => [row.endpoint.name, row.caller, row.status, row] as const))(
      '%s as %s → %d',
      async (_name, caller, status, row) => {
        const call = await row.endpoint.call(fx);
        const response = await callAs(caller, call);
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
        `${CROSS_PROJECT.length * 2} cross-project cells; ran ${cells.length}`,
    );
    expect(cells.length).toBe(MATRIX.length * CALLERS.length + CROSS_PROJECT.length * 2);
  });
});
