import type { ApiClient, ApiResponse } from '../support/api-client';
import type { TestProject } from '../support/task-fixtures';
import { randomUUID } from 'node:crypto';
import openApiSpec from '../../src/http/generated/swagger.json';
import { taskBody } from '../support/task-fixtures';

/**
 * Who may call what: every route family against every kind of caller, with the status each one must
 * get. The table below is written from the permission rules (src/auth/principal.ts), not from what the
 * server answers:
 * - a super admin may do everything; a user who is not a member of the project gets 404 (the project is
 *   not revealed); a member whose role lacks the permission gets 403;
 * - roles: viewer reads; editor reads, edits (tasks, groups, trigger, cancel) and reports; admin also
 *   administers (settings, members, keys, signing secret);
 * - keys: `ingest` reports only, `read` reads, `write` reads, edits and reports; a key never
 *   administers; a key of another project gets 404, as a user who is not a member does (it is told
 *   nothing of the project, not even that it exists);
 * - routes that only take a signed-in person (`@Security('user')`: accounts, project list/creation and
 *   the admin routes) do not take an API key as a credential at all: 401, as for no credentials
 *   (test/http/access/api-keys.test.ts pins this).
 * - a credential that was good once (a revoked key, a session past its expiry or logged out) is
 *   refused as a bad token is: its column is badToken's.
 * A refused call must leave the event store untouched, and a caller from another project must never be
 * shown anything of this project it did not already name in its request.
 */

/** The callers of the literal table, one column each. */
const TABLE_CALLERS = ['nobody', 'badToken', 'outsider', 'viewer', 'editor', 'projectAdmin', 'superAdmin', 'ingestKey', 'readKey', 'writeKey', 'foreignKey'] as const;
/** Credentials of project A's people and keys that were good once: answered as a bad token is, on every route. */
export const LAPSED_CALLERS = ['revokedKey', 'expiredSession', 'loggedOutSession'] as const;
export const CALLERS = [...TABLE_CALLERS, ...LAPSED_CALLERS] as const;
export type Caller = (typeof CALLERS)[number];
/** One status per caller, in the order of TABLE_CALLERS. */
type Statuses = [number, number, number, number, number, number, number, number, number, number, number];

/** Callers that belong to another project (B): whatever they get must not show project A's data. */
export const FOREIGN_CALLERS: readonly Caller[] = ['outsider', 'foreignKey'];

/** The status the table gives a caller. */
export function expectedStatus(endpoint: Endpoint, caller: Caller): number {
  const column = (LAPSED_CALLERS as readonly string[]).includes(caller) ? 'badToken' : caller;
  return endpoint.expected[TABLE_CALLERS.indexOf(column as (typeof TABLE_CALLERS)[number])]!;
}

/** What a route needs, in the words of the rules; used only to double-check the literal table. */
export type Rule =
  | { kind: 'public' }
  | { kind: 'signedIn' } // a person or any valid key
  | { kind: 'person' } // any signed-in person; keys are no credential here
  | { kind: 'superAdmin' }
  | { kind: 'reader' } // not about one project: any user in a project, a super admin, any key that may read
  | { kind: 'project'; permission: 'read' | 'report' | 'edit' | 'admin'; keys: boolean };

export interface Fixtures {
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
  /** `/public/<project A>/<its current public token>`: the badge and status page routes of A (its status page is on). */
  publicPath(): Promise<string>;
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

export interface Call {
  method: string;
  path: string;
  body?: unknown;
  /** A streamed answer (server-sent events, an export): only the status (and an error body) is read, then the stream is closed. */
  stream?: boolean;
  /** An answer that may not be JSON (SVG, HTML, CSS): read as text unless its Content-Type says JSON. */
  text?: boolean;
}

export interface Endpoint {
  family: string;
  name: string;
  rule: Rule;
  expected: Statuses;
  /** Builds the request; may first create what the call acts on (as project A's admin). */
  call(fx: Fixtures): Call | Promise<Call>;
}

export const P = (fx: Fixtures) => `/projects/${fx.a.id}`;

/** An alert channel of project A, made (or made again: PUT replaces) by its admin, for calls that test or remove one. */
async function newAlertChannel(fx: Fixtures, id = `c-${randomUUID()}`): Promise<string> {
  const response = await fx.projectAdmin.put(`${P(fx)}/alert-channels/${id}`, { type: 'slack', name: 'Ops', url: 'http://localhost:9/slack/services/x' });
  if (response.status !== 200) throw new Error(`adding an alert channel failed: ${response.status} ${JSON.stringify(response.body)}`);
  return id;
}

/** A calendar of project A, made by its admin, for calls that remove one. */
async function newCalendar(fx: Fixtures): Promise<string> {
  const id = `cal-${randomUUID().slice(0, 8)}`;
  const response = await fx.projectAdmin.put(`${P(fx)}/calendars/${id}`, { name: 'Holidays', dates: ['2026-12-25'] });
  if (response.status !== 200) throw new Error(`adding a calendar failed: ${response.status} ${JSON.stringify(response.body)}`);
  return id;
}

const WINDOW_BODY = { name: 'Release', scope: 'project', effect: 'silence', cron_expression: '0 2 * * 0', duration_minutes: 60 };

/** A maintenance window of project A, made by its admin, for calls that remove one. */
async function newWindow(fx: Fixtures): Promise<string> {
  const id = `win-${randomUUID().slice(0, 8)}`;
  const response = await fx.projectAdmin.put(`${P(fx)}/maintenance-windows/${id}`, WINDOW_BODY);
  if (response.status !== 200) throw new Error(`adding a window failed: ${response.status} ${JSON.stringify(response.body)}`);
  return id;
}

/** The matrix server's clock stands in early March 2026: a snooze until later that month is in the future and near enough. */
const snoozeBody = () => ({ until: '2026-03-20T00:00:00Z' });

/**
 * The path of a task or group snoozed by project A's admin, for calls that end a snooze. A deleted or
 * unknown one (the naming rows) cannot be snoozed: its path is used as it is.
 */
async function snoozed(fx: Fixtures, kind: 'tasks' | 'task-groups'): Promise<string> {
  const path = `${P(fx)}/${kind}/${kind === 'tasks' ? await fx.newTask() : await fx.newGroup()}/snooze`;
  await fx.projectAdmin.post(path, snoozeBody());
  return path;
}

export function created(response: ApiResponse, what: string): ApiResponse {
  if (response.status !== 201) throw new Error(`creating ${what} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response;
}

// prettier-ignore
export const MATRIX: Endpoint[] = [
  //                                                                                                  none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'public', name: 'GET /health', rule: { kind: 'public' },                                   expected: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], call: () => ({ method: 'GET', path: '/health' }) },
  { family: 'public', name: 'GET /openapi.json', rule: { kind: 'public' },                             expected: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], call: () => ({ method: 'GET', path: '/openapi.json' }) },
  { family: 'public', name: 'GET /auth/config', rule: { kind: 'public' },                              expected: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200], call: () => ({ method: 'GET', path: '/auth/config' }) },

  { family: 'schedule preview', name: 'POST /schedules/preview', rule: { kind: 'signedIn' },            expected: [401, 401, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    call: () => ({ method: 'POST', path: '/schedules/preview', body: { schedule_type: 'RECURRING', schedule_config: { cron_expression: '0 3 * * *', timezone: 'Europe/Paris' }, count: 3 } }) },

  { family: 'session', name: 'GET /auth/me', rule: { kind: 'person' },                                  expected: [401, 401, 200, 200, 200, 200, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/auth/me' }) },
  { family: 'session', name: 'GET /auth/sessions', rule: { kind: 'person' },                            expected: [401, 401, 200, 200, 200, 200, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/auth/sessions' }) },
  { family: 'projects', name: 'GET /projects', rule: { kind: 'person' },                                expected: [401, 401, 200, 200, 200, 200, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/projects' }) },
  { family: 'search', name: 'GET /search', rule: { kind: 'person' },                                  expected: [401, 401, 200, 200, 200, 200, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/search?q=a' }) },
  { family: 'projects', name: 'POST /projects', rule: { kind: 'person' },                               expected: [401, 401, 201, 201, 201, 201, 201, 401, 401, 401, 401],
    call: () => ({ method: 'POST', path: '/projects', body: { name: `Matrix project ${randomUUID()}` } }) },

  { family: 'admin', name: 'GET /admin/quarantine', rule: { kind: 'superAdmin' },                    expected: [401, 401, 403, 403, 403, 403, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/admin/quarantine' }) },
  { family: 'admin', name: 'GET /admin/audit/verify', rule: { kind: 'superAdmin' },                  expected: [401, 401, 403, 403, 403, 403, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/admin/audit/verify', stream: true }) },
  { family: 'users admin', name: 'GET /users', rule: { kind: 'superAdmin' },                            expected: [401, 401, 403, 403, 403, 403, 200, 401, 401, 401, 401], call: () => ({ method: 'GET', path: '/users' }) },
  { family: 'users admin', name: 'POST /users', rule: { kind: 'superAdmin' },                           expected: [401, 401, 403, 403, 403, 403, 201, 401, 401, 401, 401],
    call: () => ({ method: 'POST', path: '/users', body: { email: `someone-${randomUUID()}@example.com`, name: 'Someone', password: 'someone-password' } }) },
  { family: 'users admin', name: 'PATCH /users/:user', rule: { kind: 'superAdmin' },                    expected: [401, 401, 403, 403, 403, 403, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'PATCH', path: `/users/${fx.targetUserId}`, body: { name: `Target ${randomUUID()}` } }) },

  { family: 'project admin', name: 'GET /projects/:p', rule: { kind: 'project', permission: 'read', keys: true },  expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: P(fx) }) },
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
  { family: 'public links', name: 'GET /projects/:p/public-links', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/public-links` }) },
  { family: 'public links', name: 'POST /projects/:p/public-links/rotate', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/public-links/rotate` }) },
  { family: 'public links', name: 'PUT /projects/:p/public-links/status-page', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/public-links/status-page`, body: { enabled: true, task_ids: [fx.taskId] } }) },
  // Deliberately public: whoever holds a link (it carries the project's random token) sees what it shows, without logging in.
  ...(
    [
      ['badge.svg', '/badge.svg'],
      ['badge.json', '/badge.json'],
      ['tasks/:t/badge.svg', '/tasks/{t}/badge.svg'],
      ['tasks/:t/badge.json', '/tasks/{t}/badge.json'],
      ['tags/:tag/badge.svg', '/tags/nightly/badge.svg'],
      ['tags/:tag/badge.json', '/tags/nightly/badge.json'],
      ['status', '/status'],
      ['status.json', '/status.json'],
    ] as const
  ).map(([route, tail]): Endpoint => ({
    family: 'public badges and status page',
    name: `GET /public/:p/:token/${route}`,
    rule: { kind: 'public' },
    expected: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    call: async (fx) => ({ method: 'GET', path: `${await fx.publicPath()}${tail.replace('{t}', fx.taskId)}`, text: true }),
  })),
  { family: 'public badges and status page', name: 'GET /public/status.css', rule: { kind: 'public' }, expected: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    call: () => ({ method: 'GET', path: '/public/status.css', text: true }) },
  // The ping URLs themselves (/ping/<uuid>…, /ping/<ping-key>/<slug>…) are deliberately public: the URL is the
  // credential. They are outside /api/v1 and this document; test/http/ping/ping-api.test.ts covers them.
  { family: 'ping key', name: 'GET /projects/:p/ping-key', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 404],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/ping-key` }) },
  { family: 'ping key', name: 'POST /projects/:p/ping-key/rotate', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/ping-key/rotate` }) },
  { family: 'alert channels', name: 'GET /projects/:p/alert-channels', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/alert-channels` }) },
  { family: 'alert channels', name: 'PUT /projects/:p/alert-channels/:c', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/alert-channels/matrix-pager`, body: { type: 'pagerduty', name: 'On call', routing_key: 'R0123456789abcdef' } }) },
  { family: 'alert channels', name: 'DELETE /projects/:p/alert-channels/:c', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 204, 204, 401, 401, 401, 401],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/alert-channels/${await newAlertChannel(fx)}` }) },
  // The test goes to a name the outbound policy refuses when it connects: answered at once, nothing leaves the machine.
  { family: 'alert channels', name: 'POST /projects/:p/alert-channels/:c/test', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401],
    call: async (fx) => ({ method: 'POST', path: `${P(fx)}/alert-channels/${await newAlertChannel(fx, 'matrix-test')}/test` }) },

  //                                                                                                                    none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'tasks', name: 'GET /projects/:p/tasks', rule: { kind: 'project', permission: 'read', keys: true },         expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks` }) },
  { family: 'tasks', name: 'GET /projects/:p/tasks/page', rule: { kind: 'project', permission: 'read', keys: true },    expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/page?limit=1` }) },
  { family: 'tasks', name: 'GET /projects/:p/tasks/:t', rule: { kind: 'project', permission: 'read', keys: true },      expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}` }) },
  { family: 'tasks', name: 'GET /projects/:p/tasks/:t?as_of', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}?as_of=${fx.asOf}` }) },
  { family: 'tasks', name: 'GET /projects/:p/tasks/:t/preview', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}/preview?count=3` }) },
  { family: 'executions page', name: 'GET /projects/:p/tasks/:t/executions', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}/executions?date=${fx.day}` }) },
  { family: 'tasks', name: 'POST /projects/:p/tasks', rule: { kind: 'project', permission: 'edit', keys: true },        expected: [401, 401, 404, 403, 201, 201, 201, 403, 403, 201, 404],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/tasks`, body: taskBody() }) },
  { family: 'tasks', name: 'PUT /projects/:p/tasks/:t', rule: { kind: 'project', permission: 'edit', keys: true },      expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/tasks/${fx.taskId}`, body: taskBody({ name: 'the matrix task', description: `v ${randomUUID()}` }) }) },
  { family: 'tasks', name: 'PATCH /projects/:p/tasks/:t/status', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: async (fx) => ({ method: 'PATCH', path: `${P(fx)}/tasks/${await fx.newTask()}/status`, body: { status: 'DISABLED' } }) },
  { family: 'tasks', name: 'DELETE /projects/:p/tasks/:t', rule: { kind: 'project', permission: 'edit', keys: true },   expected: [401, 401, 404, 403, 202, 202, 202, 403, 403, 202, 404],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/tasks/${await fx.newTask()}` }) },
  { family: 'tasks', name: 'POST /projects/:p/tasks/:t/trigger', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 201, 201, 201, 403, 403, 201, 404],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/tasks/${fx.taskId}/trigger` }) },

  //                                                                                                                          none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'calendars', name: 'GET /projects/:p/calendars', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/calendars` }) },
  { family: 'calendars', name: 'GET /projects/:p/calendars/:cal', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404],
    call: async (fx) => ({ method: 'GET', path: `${P(fx)}/calendars/${await newCalendar(fx)}` }) },
  { family: 'calendars', name: 'PUT /projects/:p/calendars/:cal', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/calendars/matrix`, body: { name: 'Matrix', dates: ['2026-01-01'] } }) },
  { family: 'calendars', name: 'POST /projects/:p/calendars/:cal/import', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/calendars/matrix-ics/import`, body: { ics: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20260101\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' } }) },
  { family: 'calendars', name: 'DELETE /projects/:p/calendars/:cal', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 204, 204, 204, 403, 403, 204, 404],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/calendars/${await newCalendar(fx)}` }) },
  { family: 'maintenance windows', name: 'GET /projects/:p/maintenance-windows', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404],
    call: (fx) => ({ method: 'GET', path: `${P(fx)}/maintenance-windows` }) },
  { family: 'maintenance windows', name: 'PUT /projects/:p/maintenance-windows/:w', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/maintenance-windows/matrix`, body: WINDOW_BODY }) },
  { family: 'maintenance windows', name: 'DELETE /projects/:p/maintenance-windows/:w', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 204, 204, 204, 403, 403, 204, 404],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/maintenance-windows/${await newWindow(fx)}` }) },
  { family: 'snooze', name: 'POST /projects/:p/tasks/:t/snooze', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/tasks/${fx.taskId}/snooze`, body: snoozeBody() }) },
  { family: 'snooze', name: 'DELETE /projects/:p/tasks/:t/snooze', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 204, 204, 204, 403, 403, 204, 404],
    call: async (fx) => ({ method: 'DELETE', path: await snoozed(fx, 'tasks') }) },
  { family: 'snooze', name: 'POST /projects/:p/task-groups/:g/snooze', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/task-groups/${fx.groupId}/snooze`, body: snoozeBody() }) },
  { family: 'snooze', name: 'DELETE /projects/:p/task-groups/:g/snooze', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 204, 204, 204, 403, 403, 204, 404],
    call: async (fx) => ({ method: 'DELETE', path: await snoozed(fx, 'task-groups') }) },

  //                                                                                                                          none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'groups', name: 'GET /projects/:p/task-groups', rule: { kind: 'project', permission: 'read', keys: true },         expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/task-groups` }) },
  { family: 'groups', name: 'GET /projects/:p/task-groups/:g', rule: { kind: 'project', permission: 'read', keys: true },      expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/task-groups/${fx.groupId}` }) },
  { family: 'groups', name: 'GET /projects/:p/task-groups/:g/tasks', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/task-groups/${fx.groupId}/tasks` }) },
  { family: 'groups', name: 'POST /projects/:p/task-groups', rule: { kind: 'project', permission: 'edit', keys: true },        expected: [401, 401, 404, 403, 201, 201, 201, 403, 403, 201, 404],
    call: (fx) => ({ method: 'POST', path: `${P(fx)}/task-groups`, body: { name: `group ${randomUUID()}` } }) },
  { family: 'groups', name: 'PUT /projects/:p/task-groups/:g', rule: { kind: 'project', permission: 'edit', keys: true },     expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: (fx) => ({ method: 'PUT', path: `${P(fx)}/task-groups/${fx.groupId}`, body: { name: 'the matrix group', description: `v ${randomUUID()}` } }) },
  { family: 'groups', name: 'DELETE /projects/:p/task-groups/:g', rule: { kind: 'project', permission: 'edit', keys: true },  expected: [401, 401, 404, 403, 204, 204, 204, 403, 403, 204, 404],
    call: async (fx) => ({ method: 'DELETE', path: `${P(fx)}/task-groups/${await fx.newGroup()}` }) },
  { family: 'groups', name: 'POST /projects/:p/task-groups/:g/start', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: async (fx) => ({ method: 'POST', path: `${P(fx)}/task-groups/${await fx.newGroup()}/start` }) },
  { family: 'groups', name: 'POST /projects/:p/task-groups/:g/stop', rule: { kind: 'project', permission: 'edit', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: async (fx) => ({ method: 'POST', path: `${P(fx)}/task-groups/${await fx.newGroup()}/stop` }) },

  //                                                                                                                   none bad  out  view edit padm sadm ingst read writ forgn
  { family: 'execution read', name: 'GET /executions/:e', rule: { kind: 'project', permission: 'read', keys: true },      expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `/executions/${fx.executionId}` }) },
  { family: 'execution read', name: 'GET /executions/:e/logs', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `/executions/${fx.executionId}/logs?limit=10` }) },
  { family: 'executor reports', name: 'POST /executions/:e/logs', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 404],
    call: (fx) => ({ method: 'POST', path: `/executions/${fx.logExecutionId}/logs`, body: { message: 'a line', level: 'info' } }) },
  { family: 'executor reports', name: 'PATCH /executions/:e/status', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 404],
    call: async (fx) => ({ method: 'PATCH', path: `/executions/${await fx.newExecution()}/status`, body: { status: 'SUCCESS' } }) },
  { family: 'executor reports', name: 'POST /executions/:e/finish', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 404],
    call: async (fx) => ({ method: 'POST', path: `/executions/${await fx.newExecution()}/finish`, body: { status: 'FAILED', error: 'boom', exit_code: 2, duration_ms: 10 } }) },
  { family: 'cancel', name: 'POST /executions/:e/cancel', rule: { kind: 'project', permission: 'edit', keys: true },     expected: [401, 401, 404, 403, 200, 200, 200, 403, 403, 200, 404],
    call: async (fx) => ({ method: 'POST', path: `/executions/${await fx.newExecution()}/cancel` }) },

  { family: 'audit', name: 'GET /projects/:p/audit', rule: { kind: 'project', permission: 'read', keys: true },         expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/audit?type=ProjectCreated,ApiKeyCreated&order=desc&limit=5` }) },
  { family: 'audit', name: 'GET /tasks/:t/audit', rule: { kind: 'project', permission: 'read', keys: true },            expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `/tasks/${fx.taskId}/audit` }) },
  { family: 'audit', name: 'GET /task-groups/:g/audit', rule: { kind: 'project', permission: 'read', keys: true },      expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `/task-groups/${fx.groupId}/audit?as_of=${fx.asOf}` }) },
  { family: 'audit', name: 'GET /executions/:e/audit', rule: { kind: 'project', permission: 'read', keys: true },       expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `/executions/${fx.executionId}/audit` }) },
  { family: 'audit', name: 'GET /projects/:p/audit/export', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401], call: (fx) => ({ method: 'GET', path: `${P(fx)}/audit/export`, stream: true }) },
  { family: 'audit', name: 'GET /projects/:p/audit/verify', rule: { kind: 'project', permission: 'admin', keys: false }, expected: [401, 401, 404, 403, 403, 200, 200, 401, 401, 401, 401], call: (fx) => ({ method: 'GET', path: `${P(fx)}/audit/verify`, stream: true }) },

  { family: 'stats', name: 'GET /projects/:p/executions/stats', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/executions/stats?days=7` }) },
  { family: 'stats', name: 'GET /projects/:p/executions/failed-stats', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/executions/failed-stats?days=7` }) },
  { family: 'stats', name: 'GET /projects/:p/failures', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/failures?date=${fx.day}` }) },
  { family: 'stats', name: 'GET /projects/:p/stats', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/stats?granularity=day&task_id=${fx.taskId}` }) },
  { family: 'stats', name: 'GET /projects/:p/stats/tasks', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/stats/tasks?sort=p95` }) },
  { family: 'stats', name: 'GET /projects/:p/calendar', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/calendar?month=2026-03` }) },
  { family: 'overview', name: 'GET /projects/:p/overview', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/overview?limit=10` }) },
  { family: 'overview', name: 'GET /projects/:p/overview/tasks/:t', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/overview/tasks/${fx.taskId}` }) },
  { family: 'executions page', name: 'GET /projects/:p/executions', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/executions?date=${fx.day}` }) },
  { family: 'executions page', name: 'GET /projects/:p/tasks/:t/history', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/tasks/${fx.taskId}/history?date=${fx.day}` }) },
  { family: 'executor reports', name: 'POST /projects/:p/tasks/:t/runs', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 201, 201, 201, 201, 403, 201, 404], call: async (fx) => ({ method: 'POST', path: `${P(fx)}/tasks/${await fx.newTask()}/runs` }) },
  { family: 'executor reports', name: 'POST /projects/:p/tasks/by-name/:name/runs', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 201, 201, 201, 201, 403, 201, 404],
    call: async (fx) => ({ method: 'POST', path: `${P(fx)}/tasks/by-name/${encodeURIComponent((await fx.newNamedTask()).name)}/runs` }) },
  // A pending pull execution of a fresh task for each caller: the ones allowed claim it, the others change nothing.
  { family: 'executor reports', name: 'POST /projects/:p/executions/claim', rule: { kind: 'project', permission: 'report', keys: true }, expected: [401, 401, 404, 403, 200, 200, 200, 200, 403, 200, 404],
    call: async (fx) => {
      const task = await fx.newNamedTask();
      const triggered = created(await fx.projectAdmin.post(`${P(fx)}/tasks/${task.id}/trigger`), 'an execution to claim');
      fx.remember(triggered.body.data.execution_uuid);
      return { method: 'POST', path: `${P(fx)}/executions/claim`, body: { task_names: [task.name], wait_seconds: 0, limit: 1, worker_id: 'matrix' } };
    } },
  { family: 'live events', name: 'POST /projects/:p/events/token', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'POST', path: `${P(fx)}/events/token` }) },
  { family: 'live events', name: 'GET /projects/:p/events', rule: { kind: 'project', permission: 'read', keys: true }, expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `${P(fx)}/events`, stream: true }) },
  // Installation-wide figures without project labels: any reader (a member of some project, a super admin, a read or write key of any project).
  { family: 'metrics', name: 'GET /metrics', rule: { kind: 'reader' },                                   expected: [401, 401, 200, 200, 200, 200, 200, 403, 200, 200, 200], call: () => ({ method: 'GET', path: '/metrics' }) },
  { family: 'audit', name: 'GET /tasks/:t/alerts', rule: { kind: 'project', permission: 'read', keys: true },          expected: [401, 401, 404, 200, 200, 200, 200, 403, 200, 200, 404], call: (fx) => ({ method: 'GET', path: `/tasks/${fx.taskId}/alerts` }) },
];

/**
 * Routes addressed by project B's path but naming one of project A's tasks or groups: B's admin and
 * B's write key may do everything in B, yet A's task or group is not in B (404 unless said otherwise;
 * nothing changes).
 */
export const CROSS_PROJECT: Array<{ name: string; status?: number; call(fx: Fixtures): Call | Promise<Call> }> = [
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
export const NOT_IN_MATRIX: Record<string, string> = {
  'POST /auth/login': 'takes no credentials: test/http/access/auth.test.ts',
  'POST /auth/logout': 'ends the caller\'s own session: test/http/access/auth.test.ts',
  'POST /auth/password': 'changes the caller\'s own password, given the current one: test/http/access/own-password.test.ts',
  'DELETE /auth/sessions/{session_id}': 'ends one of the caller\'s own sessions (404 for anyone else\'s): test/http/access/own-sessions.test.ts',
  'POST /auth/invitations/{token}/accept': 'authenticated by the one-time link: test/http/access/members.test.ts',
  'GET /auth/oidc/login': 'deliberately public: starts a single sign-on at the provider (404 when not configured): test/http/access/single-sign-on.test.ts',
  'GET /auth/oidc/callback': 'deliberately public: authenticated by the provider\'s answer and the co_oidc cookie: test/http/access/single-sign-on.test.ts',
};

export const specPaths = openApiSpec.paths as Record<string, Record<string, unknown>>;

/** Served beside the spec rather than described in it. */
export const OUTSIDE_SPEC = new Set(['GET /openapi.json']);

/** The spec operation a row calls: `GET /projects/:p/tasks/:t?as_of` → `GET /projects/{project_id}/tasks/{task_uuid}`. */
export function specOperationOf(name: string): string {
  const params: Record<string, string> = {
    ':p': '{project_id}',
    ':t': '{task_uuid}',
    ':g': '{group_uuid}',
    ':e': '{execution_uuid}',
    ':user': '{user_id}',
    ':key': '{key_id}',
    ':email': '{email}',
    ':name': '{task_name}',
    ':token': '{token}',
    ':tag': '{tag}',
    ':c': '{channel_id}',
    ':cal': '{calendar_id}',
    ':w': '{window_id}',
  };
  return name.replace(/\?.*$/, '').replace(/:[a-z]+/g, (param) => params[param] ?? param);
}

/** Rows whose operation checks its credential itself, so the spec declares none (with the reason). */
export const SELF_AUTHENTICATED: Record<string, string> = {
  'GET /projects/:p/events': 'EventSource sends no headers: a session cookie or a short-lived token in the query, checked by the route',
};

/** Every operation of the spec, as `METHOD /path`. */
export const SPEC_OPERATIONS = Object.entries(specPaths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));

/** The status the rules give a caller (a second, independent writing of the rules: it checks the table for typos). */
export function ruleStatus(rule: Rule, caller: Caller, ok: number): number {
  if (rule.kind === 'public') return ok;
  if (caller === 'nobody' || caller === 'badToken' || (LAPSED_CALLERS as readonly string[]).includes(caller)) return 401;
  const isKey = caller.endsWith('Key');
  if (rule.kind === 'signedIn') return ok;
  if (rule.kind === 'person') return isKey ? 401 : ok;
  if (rule.kind === 'superAdmin') return isKey ? 401 : caller === 'superAdmin' ? ok : 403;
  if (rule.kind === 'reader') return caller === 'ingestKey' ? 403 : ok; // every user here is in some project
  if (isKey) {
    if (!rule.keys) return 401;
    if (caller === 'foreignKey') return 404;
    const scopes = { ingestKey: ['report'], readKey: ['read'], writeKey: ['read', 'edit', 'report'] } as Record<string, string[]>;
    return scopes[caller]!.includes(rule.permission) ? ok : 403;
  }
  if (caller === 'superAdmin') return ok;
  if (caller === 'outsider') return 404;
  const roles = { viewer: ['read'], editor: ['read', 'report', 'edit'], projectAdmin: ['read', 'report', 'edit', 'admin'] } as Record<string, string[]>;
  return roles[caller]!.includes(rule.permission) ? ok : 403;
}

export function successOf(expected: Statuses): number {
  const ok = expected.find((s) => s < 400);
  if (ok === undefined) throw new Error('every row has a caller that succeeds');
  return ok;
}


/** A task (with its name), a group and an execution of project A, live, deleted or never made. */
export interface NamedIds {
  task: { id: string; name: string };
  group: string;
  execution: string;
}

/** Rows that name a task, group or execution: the ones whose answer could tell a live id from a deleted or unknown one. */
export const NAMING_ROWS = MATRIX.filter((endpoint) => /:(t|g|e|name)\b/.test(endpoint.name));

/** The fixtures with every task, group and execution a row names (even a "fresh" one) replaced by these. */
export function naming(fx: Fixtures, ids: NamedIds): Fixtures {
  return {
    ...fx,
    taskId: ids.task.id,
    groupId: ids.group,
    executionId: ids.execution,
    logExecutionId: ids.execution,
    newTask: async () => ids.task.id,
    newNamedTask: async () => ids.task,
    newGroup: async () => ids.group,
    newExecution: async () => ids.execution,
  };
}
