import {
  type ApiClient,
  type ApiClientOptions,
  apiBaseUrl,
  call,
  callVersioned,
  type ChangeOptions,
  changeHeaders,
  createApiClient,
  requestHeaders,
  type Versioned,
} from './api/client';
import type {
  AuditPage,
  ProjectAuditPage,
  CreatedProject,
  CreateProjectBody,
  CreateTaskBody,
  CreateTaskGroupBody,
  Execution,
  ExecutionsPage,
  ExecutionStatsResponse,
  FailedStatsResponse,
  FailuresOfDayResponse,
  LoginResponse,
  LogLinesPage,
  Me,
  Operations,
  ExecutionHistoryPage,
  StatsRange,
  CalendarMonth,
  Project,
  Schemas,
  Task,
  TaskPage,
  TaskGroup,
  TriggerResponse,
  UpdateProjectBody,
  UpdateTaskBody,
  UpdateTaskGroupBody,
} from './api/paths';
import { LiveEvents, type LiveEventsOptions } from './live-events';

export interface ManagementOptions extends Omit<ApiClientOptions, 'url'> {
  /** Default: `CRON_OBSERVER_URL`. */
  url?: string;
  /** A user session token (`CRON_OBSERVER_TOKEN`), or a project key with scope `read`/`write` (`CRON_OBSERVER_API_KEY`). */
  token?: string;
}

type Paging = { cursor?: string; limit?: number };
/** An audit page; with `asOf`, the history as it was at that instant. */
type AuditQuery = Paging & { asOf?: Date };

function auditQuery({ asOf, ...paging }: AuditQuery): Paging & { as_of?: string } {
  return asOf ? { ...paging, as_of: asOf.toISOString() } : paging;
}
/**
 * A page of a project's whole history: events that occurred in [`from`, `to`), by `actor`, of any of
 * `types`; oldest first unless `order: 'desc'`. Pass the answer's `next_cursor` back with the same order.
 */
export type ProjectAuditQuery = Paging & { from?: Date; to?: Date; actor?: string; types?: string[]; order?: 'asc' | 'desc' };

function projectAuditQuery({ from, to, types, ...rest }: ProjectAuditQuery) {
  return { ...rest, from: from?.toISOString(), to: to?.toISOString(), type: types?.length ? types.join(',') : undefined };
}
type HistoryQuery = NonNullable<Operations['ProjectHistory']['parameters']['query']>;
type StatsQuery = NonNullable<Operations['GetStats']['parameters']['query']>;
type CalendarQuery = NonNullable<Operations['GetCalendar']['parameters']['query']>;

/**
 * Typed calls for people and tools that manage Cron Observer: projects, tasks, groups, executions,
 * statistics and audit history. Unlike reporting, these calls are not fail-open: an error answer
 * throws ApiError (status, `error`, `details`), no answer throws NetworkError.
 */
export class ManagementClient {
  readonly api: ApiClient;
  readonly #connection: ApiClientOptions;

  constructor(options: ManagementOptions = {}) {
    const url = options.url ?? process.env.CRON_OBSERVER_URL;
    if (!url) throw new Error('Cron Observer URL missing: pass `url` or set CRON_OBSERVER_URL');
    const token = options.token ?? (options.apiKey ? undefined : process.env.CRON_OBSERVER_TOKEN);
    const apiKey = token ? undefined : (options.apiKey ?? process.env.CRON_OBSERVER_API_KEY);
    this.#connection = { ...options, url, token, apiKey };
    this.api = createApiClient(this.#connection);
  }

  /**
   * Opens the project's live updates (server-sent events, authenticated like every other call), which
   * reconnect by themselves until `close()`.
   */
  liveEvents(projectId: string, options?: LiveEventsOptions): LiveEvents {
    const url = `${apiBaseUrl(this.#connection.url)}/projects/${encodeURIComponent(projectId)}/events`;
    return new LiveEvents(url, { headers: requestHeaders(this.#connection), fetch: this.#connection.fetch }, options);
  }

  /** Logs in and returns the session (its token authenticates a new ManagementClient). */
  static async login(url: string, email: string, password: string): Promise<LoginResponse> {
    const api = createApiClient({ url });
    return call('POST', '/auth/login', () => api.POST('/auth/login', { body: { email, password } }));
  }

  readonly auth = {
    me: (): Promise<Me> => call('GET', '/auth/me', () => this.api.GET('/auth/me')),
    logout: (): Promise<void> => call('POST', '/auth/logout', () => this.api.POST('/auth/logout')).then(() => undefined),
  };

  readonly projects = {
    list: (): Promise<Project[]> => call('GET', '/projects', () => this.api.GET('/projects')),
    get: (projectId: string): Promise<Project> =>
      call('GET', `/projects/${projectId}`, () => this.api.GET('/projects/{project_id}', { params: { path: { project_id: projectId } } })),
    create: (body: CreateProjectBody): Promise<CreatedProject> => call('POST', '/projects', () => this.api.POST('/projects', { body })),
    /** The project and its ETag, for a change that must not overwrite someone else's (`update(…, {ifMatch})`). */
    getVersioned: (projectId: string): Promise<Versioned<Project>> =>
      callVersioned('GET', `/projects/${projectId}`, () => this.api.GET('/projects/{project_id}', { params: { path: { project_id: projectId } } })),
    /** With `ifMatch` (an ETag), applied only if the project has not changed since (else ApiError 412). */
    update: (projectId: string, body: UpdateProjectBody, options?: ChangeOptions): Promise<Project> =>
      call('PUT', `/projects/${projectId}`, () =>
        this.api.PUT('/projects/{project_id}', { params: { path: { project_id: projectId } }, body, headers: changeHeaders(options) }),
      ),
    rotateSigningSecret: (projectId: string): Promise<Schemas['RotatedSigningSecretResponse']> =>
      call('POST', `/projects/${projectId}/signing-secret/rotate`, () =>
        this.api.POST('/projects/{project_id}/signing-secret/rotate', { params: { path: { project_id: projectId } } }),
      ),
    /** The key of the project's slug ping URLs (`/ping/<ping_key>/<slug>`); null until an admin makes one. */
    pingKey: (projectId: string): Promise<Schemas['PingKeyResponse']> =>
      call('GET', `/projects/${projectId}/ping-key`, () => this.api.GET('/projects/{project_id}/ping-key', { params: { path: { project_id: projectId } } })),
    /** A new ping key (project admins); the previous one stops working at once. */
    rotatePingKey: (projectId: string): Promise<Schemas['PingKeyResponse']> =>
      call('POST', `/projects/${projectId}/ping-key/rotate`, () =>
        this.api.POST('/projects/{project_id}/ping-key/rotate', { params: { path: { project_id: projectId } } }),
      ),
    audit: (projectId: string, query: ProjectAuditQuery = {}): Promise<ProjectAuditPage> =>
      call('GET', `/projects/${projectId}/audit`, () =>
        this.api.GET('/projects/{project_id}/audit', { params: { path: { project_id: projectId }, query: projectAuditQuery(query) } }),
      ),
  };

  /**
   * The project's public badge and status page links (project admins): whoever holds one sees what it
   * shows without logging in. `rotate` makes them, or replaces them (every old link answers 404).
   */
  readonly publicLinks = {
    get: (projectId: string): Promise<Schemas['PublicLinksResponse']> =>
      call('GET', `/projects/${projectId}/public-links`, () => this.api.GET('/projects/{project_id}/public-links', { params: { path: { project_id: projectId } } })),
    rotate: (projectId: string): Promise<Schemas['PublicLinksResponse']> =>
      call('POST', `/projects/${projectId}/public-links/rotate`, () =>
        this.api.POST('/projects/{project_id}/public-links/rotate', { params: { path: { project_id: projectId } } }),
      ),
    /** Turns the status page on or off and chooses the tasks it lists, in order. */
    setStatusPage: (projectId: string, body: Schemas['StatusPageBody']): Promise<Schemas['PublicLinksResponse']> =>
      call('PUT', `/projects/${projectId}/public-links/status-page`, () =>
        this.api.PUT('/projects/{project_id}/public-links/status-page', { params: { path: { project_id: projectId } }, body }),
      ),
  };

  /**
   * The project's calendars: named sets of dates tasks and groups `skip` or run `only` on (their
   * `calendar` field), judged by the tick's local date in the task's zone.
   */
  readonly calendars = {
    list: (projectId: string): Promise<Schemas['CalendarResponse'][]> =>
      call('GET', `/projects/${projectId}/calendars`, () => this.api.GET('/projects/{project_id}/calendars', { params: { path: { project_id: projectId } } })).then(
        (list) => list.data,
      ),
    get: (projectId: string, calendarId: string): Promise<Schemas['CalendarResponse']> =>
      call('GET', `/projects/${projectId}/calendars/${calendarId}`, () =>
        this.api.GET('/projects/{project_id}/calendars/{calendar_id}', { params: { path: { project_id: projectId, calendar_id: calendarId } } }),
      ),
    /** Creates or replaces a calendar (its full set of YYYY-MM-DD dates). */
    set: (projectId: string, calendarId: string, body: Schemas['CalendarBody']): Promise<Schemas['CalendarResponse']> =>
      call('PUT', `/projects/${projectId}/calendars/${calendarId}`, () =>
        this.api.PUT('/projects/{project_id}/calendars/{calendar_id}', { params: { path: { project_id: projectId, calendar_id: calendarId } }, body }),
      ),
    /** Fills a calendar from an iCalendar (.ics) file's text, replacing its dates. */
    importIcs: (projectId: string, calendarId: string, body: Schemas['CalendarImportBody']): Promise<Schemas['CalendarResponse']> =>
      call('POST', `/projects/${projectId}/calendars/${calendarId}/import`, () =>
        this.api.POST('/projects/{project_id}/calendars/{calendar_id}/import', { params: { path: { project_id: projectId, calendar_id: calendarId } }, body }),
      ),
    remove: (projectId: string, calendarId: string): Promise<void> =>
      call('DELETE', `/projects/${projectId}/calendars/${calendarId}`, () =>
        this.api.DELETE('/projects/{project_id}/calendars/{calendar_id}', { params: { path: { project_id: projectId, calendar_id: calendarId } } }),
      ).then(() => undefined),
  };

  /** The project's maintenance windows (snoozes included): `pause` holds ticks back, `silence` only alerts. */
  readonly maintenanceWindows = {
    list: (projectId: string): Promise<Schemas['MaintenanceWindowResponse'][]> =>
      call('GET', `/projects/${projectId}/maintenance-windows`, () =>
        this.api.GET('/projects/{project_id}/maintenance-windows', { params: { path: { project_id: projectId } } }),
      ).then((list) => list.data),
    set: (projectId: string, windowId: string, body: Schemas['MaintenanceWindowBody']): Promise<Schemas['MaintenanceWindowResponse']> =>
      call('PUT', `/projects/${projectId}/maintenance-windows/${windowId}`, () =>
        this.api.PUT('/projects/{project_id}/maintenance-windows/{window_id}', { params: { path: { project_id: projectId, window_id: windowId } }, body }),
      ),
    remove: (projectId: string, windowId: string): Promise<void> =>
      call('DELETE', `/projects/${projectId}/maintenance-windows/${windowId}`, () =>
        this.api.DELETE('/projects/{project_id}/maintenance-windows/{window_id}', { params: { path: { project_id: projectId, window_id: windowId } } }),
      ).then(() => undefined),
  };

  /** Snoozing a task or group: no ticks and no alerts until `until`, then it resumes by itself; `end…` resumes it now. */
  readonly snooze = {
    task: (projectId: string, taskId: string, until: Date): Promise<Schemas['MaintenanceWindowResponse']> =>
      call('POST', `/projects/${projectId}/tasks/${taskId}/snooze`, () =>
        this.api.POST('/projects/{project_id}/tasks/{task_uuid}/snooze', { params: { path: { project_id: projectId, task_uuid: taskId } }, body: { until: until.toISOString() } }),
      ),
    endTask: (projectId: string, taskId: string): Promise<void> =>
      call('DELETE', `/projects/${projectId}/tasks/${taskId}/snooze`, () =>
        this.api.DELETE('/projects/{project_id}/tasks/{task_uuid}/snooze', { params: { path: { project_id: projectId, task_uuid: taskId } } }),
      ).then(() => undefined),
    group: (projectId: string, groupId: string, until: Date): Promise<Schemas['MaintenanceWindowResponse']> =>
      call('POST', `/projects/${projectId}/task-groups/${groupId}/snooze`, () =>
        this.api.POST('/projects/{project_id}/task-groups/{group_uuid}/snooze', { params: { path: { project_id: projectId, group_uuid: groupId } }, body: { until: until.toISOString() } }),
      ),
    endGroup: (projectId: string, groupId: string): Promise<void> =>
      call('DELETE', `/projects/${projectId}/task-groups/${groupId}/snooze`, () =>
        this.api.DELETE('/projects/{project_id}/task-groups/{group_uuid}/snooze', { params: { path: { project_id: projectId, group_uuid: groupId } } }),
      ).then(() => undefined),
  };

  readonly tasks = {
    list: (projectId: string): Promise<Task[]> =>
      call('GET', `/projects/${projectId}/tasks`, () => this.api.GET('/projects/{project_id}/tasks', { params: { path: { project_id: projectId } } })),
    /** A page of the project's tasks, oldest first; pass the answer's `next_cursor` back for the next (null: the last). */
    page: (projectId: string, paging: Paging = {}): Promise<TaskPage> =>
      call('GET', `/projects/${projectId}/tasks/page`, () => this.api.GET('/projects/{project_id}/tasks/page', { params: { path: { project_id: projectId }, query: paging } })),
    /** A task; with `asOf`, its definition as it was then. */
    get: (projectId: string, taskId: string, asOf?: Date): Promise<Task> =>
      call('GET', `/projects/${projectId}/tasks/${taskId}`, () =>
        this.api.GET('/projects/{project_id}/tasks/{task_uuid}', {
          params: { path: { project_id: projectId, task_uuid: taskId }, query: asOf ? { as_of: asOf.toISOString() } : {} },
        }),
      ),
    /** The task and its ETag, for a change that must not overwrite someone else's (`update(…, {ifMatch})`). */
    getVersioned: (projectId: string, taskId: string): Promise<Versioned<Task>> =>
      callVersioned('GET', `/projects/${projectId}/tasks/${taskId}`, () =>
        this.api.GET('/projects/{project_id}/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: taskId } } }),
      ),
    create: (projectId: string, body: CreateTaskBody): Promise<Task> =>
      call('POST', `/projects/${projectId}/tasks`, () => this.api.POST('/projects/{project_id}/tasks', { params: { path: { project_id: projectId } }, body })),
    /** A full update: optional fields left out are cleared. With `ifMatch`, only if the task has not changed since (else ApiError 412). */
    update: (projectId: string, taskId: string, body: UpdateTaskBody, options?: ChangeOptions): Promise<Task> =>
      call('PUT', `/projects/${projectId}/tasks/${taskId}`, () =>
        this.api.PUT('/projects/{project_id}/tasks/{task_uuid}', {
          params: { path: { project_id: projectId, task_uuid: taskId } },
          body,
          headers: changeHeaders(options),
        }),
      ),
    setStatus: (projectId: string, taskId: string, status: 'ACTIVE' | 'DISABLED', options?: ChangeOptions): Promise<Task> =>
      call('PATCH', `/projects/${projectId}/tasks/${taskId}/status`, () =>
        this.api.PATCH('/projects/{project_id}/tasks/{task_uuid}/status', {
          params: { path: { project_id: projectId, task_uuid: taskId } },
          body: { status },
          headers: changeHeaders(options),
        }),
      ),
    delete: (projectId: string, taskId: string): Promise<Schemas['TaskDeletionResponse']> =>
      call('DELETE', `/projects/${projectId}/tasks/${taskId}`, () =>
        this.api.DELETE('/projects/{project_id}/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: taskId } } }),
      ),
    trigger: (projectId: string, taskId: string): Promise<TriggerResponse> =>
      call('POST', `/projects/${projectId}/tasks/${taskId}/trigger`, () =>
        this.api.POST('/projects/{project_id}/tasks/{task_uuid}/trigger', { params: { path: { project_id: projectId, task_uuid: taskId } } }),
      ),
    /** Executions created on one UTC day (`YYYY-MM-DD`, default today), newest first. */
    history: (projectId: string, taskId: string, query: { date?: string; page?: number; pageSize?: number } = {}): Promise<ExecutionsPage> =>
      call('GET', `/projects/${projectId}/tasks/${taskId}/executions`, () =>
        this.api.GET('/projects/{project_id}/tasks/{task_uuid}/executions', {
          params: {
            path: { project_id: projectId, task_uuid: taskId },
            query: { date: query.date ?? new Date().toISOString().slice(0, 10), page: queryNumber(query.page), page_size: queryNumber(query.pageSize) },
          },
        }),
      ),
    /** The task's executions with filters (day or range, status, trigger), newest first, by cursor. */
    executions: (projectId: string, taskId: string, query: HistoryQuery = {}): Promise<ExecutionHistoryPage> =>
      call('GET', `/projects/${projectId}/tasks/${taskId}/history`, () =>
        this.api.GET('/projects/{project_id}/tasks/{task_uuid}/history', { params: { path: { project_id: projectId, task_uuid: taskId }, query } }),
      ),
    preview: (projectId: string, taskId: string, count?: number): Promise<Schemas['SchedulePreviewResponse']> =>
      call('GET', `/projects/${projectId}/tasks/${taskId}/preview`, () =>
        this.api.GET('/projects/{project_id}/tasks/{task_uuid}/preview', { params: { path: { project_id: projectId, task_uuid: taskId }, query: { count } } }),
      ),
    audit: (taskId: string, query: AuditQuery = {}): Promise<AuditPage> =>
      call('GET', `/tasks/${taskId}/audit`, () => this.api.GET('/tasks/{task_uuid}/audit', { params: { path: { task_uuid: taskId }, query: auditQuery(query) } })),
  };

  readonly groups = {
    list: (projectId: string): Promise<TaskGroup[]> =>
      call('GET', `/projects/${projectId}/task-groups`, () =>
        this.api.GET('/projects/{project_id}/task-groups', { params: { path: { project_id: projectId } } }),
      ),
    get: (projectId: string, groupId: string): Promise<TaskGroup> =>
      call('GET', `/projects/${projectId}/task-groups/${groupId}`, () =>
        this.api.GET('/projects/{project_id}/task-groups/{group_uuid}', { params: { path: { project_id: projectId, group_uuid: groupId } } }),
      ),
    /** The group and its ETag, for a change that must not overwrite someone else's (`update(…, {ifMatch})`). */
    getVersioned: (projectId: string, groupId: string): Promise<Versioned<TaskGroup>> =>
      callVersioned('GET', `/projects/${projectId}/task-groups/${groupId}`, () =>
        this.api.GET('/projects/{project_id}/task-groups/{group_uuid}', { params: { path: { project_id: projectId, group_uuid: groupId } } }),
      ),
    create: (projectId: string, body: CreateTaskGroupBody): Promise<TaskGroup> =>
      call('POST', `/projects/${projectId}/task-groups`, () =>
        this.api.POST('/projects/{project_id}/task-groups', { params: { path: { project_id: projectId } }, body }),
      ),
    /** With `ifMatch` (an ETag), applied only if the group has not changed since (else ApiError 412). */
    update: (projectId: string, groupId: string, body: UpdateTaskGroupBody, options?: ChangeOptions): Promise<TaskGroup> =>
      call('PUT', `/projects/${projectId}/task-groups/${groupId}`, () =>
        this.api.PUT('/projects/{project_id}/task-groups/{group_uuid}', {
          params: { path: { project_id: projectId, group_uuid: groupId } },
          body,
          headers: changeHeaders(options),
        }),
      ),
    /** Deletes the group; its tasks are detached (default) or deleted. */
    delete: (projectId: string, groupId: string, tasks: 'detach' | 'delete' = 'detach'): Promise<void> =>
      call('DELETE', `/projects/${projectId}/task-groups/${groupId}`, () =>
        this.api.DELETE('/projects/{project_id}/task-groups/{group_uuid}', {
          params: { path: { project_id: projectId, group_uuid: groupId }, query: { tasks } },
          parseAs: 'text',
        }),
      ).then(() => undefined),
    start: (projectId: string, groupId: string, options?: ChangeOptions): Promise<TaskGroup> =>
      call('POST', `/projects/${projectId}/task-groups/${groupId}/start`, () =>
        this.api.POST('/projects/{project_id}/task-groups/{group_uuid}/start', {
          params: { path: { project_id: projectId, group_uuid: groupId } },
          headers: changeHeaders(options),
        }),
      ),
    stop: (projectId: string, groupId: string, options?: ChangeOptions): Promise<TaskGroup> =>
      call('POST', `/projects/${projectId}/task-groups/${groupId}/stop`, () =>
        this.api.POST('/projects/{project_id}/task-groups/{group_uuid}/stop', {
          params: { path: { project_id: projectId, group_uuid: groupId } },
          headers: changeHeaders(options),
        }),
      ),
    /** The group's history (definition changes, manual starts and stops, deletion); with `asOf`, as it was then. */
    audit: (groupId: string, query: AuditQuery = {}): Promise<AuditPage> =>
      call('GET', `/task-groups/${groupId}/audit`, () =>
        this.api.GET('/task-groups/{group_uuid}/audit', { params: { path: { group_uuid: groupId }, query: auditQuery(query) } }),
      ),
    tasks: (projectId: string, groupId: string): Promise<Task[]> =>
      call('GET', `/projects/${projectId}/task-groups/${groupId}/tasks`, () =>
        this.api.GET('/projects/{project_id}/task-groups/{group_uuid}/tasks', { params: { path: { project_id: projectId, group_uuid: groupId } } }),
      ),
  };

  readonly executions = {
    /** The project's executions with filters (day or range, status, trigger), newest first, by cursor. */
    list: (projectId: string, query: HistoryQuery = {}): Promise<ExecutionHistoryPage> =>
      call('GET', `/projects/${projectId}/executions`, () =>
        this.api.GET('/projects/{project_id}/executions', { params: { path: { project_id: projectId }, query } }),
      ),
    get: (executionId: string): Promise<Execution> =>
      call('GET', `/executions/${executionId}`, () => this.api.GET('/executions/{execution_uuid}', { params: { path: { execution_uuid: executionId } } })),
    logs: (executionId: string, query: { cursor?: string; limit?: number; order?: 'asc' | 'desc' } = {}): Promise<LogLinesPage> =>
      call('GET', `/executions/${executionId}/logs`, () =>
        this.api.GET('/executions/{execution_uuid}/logs', { params: { path: { execution_uuid: executionId }, query } }),
      ),
    cancel: (executionId: string): Promise<Execution> =>
      call('POST', `/executions/${executionId}/cancel`, () =>
        this.api.POST('/executions/{execution_uuid}/cancel', { params: { path: { execution_uuid: executionId } } }),
      ),
    audit: (executionId: string, paging: Paging = {}): Promise<AuditPage> =>
      call('GET', `/executions/${executionId}/audit`, () =>
        this.api.GET('/executions/{execution_uuid}/audit', { params: { path: { execution_uuid: executionId }, query: paging } }),
      ),
  };

  readonly stats = {
    /** Counts and durations by hour or day over a range, for the project or one task. */
    series: (projectId: string, query: StatsQuery = {}): Promise<StatsRange> =>
      call('GET', `/projects/${projectId}/stats`, () => this.api.GET('/projects/{project_id}/stats', { params: { path: { project_id: projectId }, query } })),
    calendar: (projectId: string, query: CalendarQuery = {}): Promise<CalendarMonth> =>
      call('GET', `/projects/${projectId}/calendar`, () =>
        this.api.GET('/projects/{project_id}/calendar', { params: { path: { project_id: projectId }, query } }),
      ),
    /** Per UTC day: successes, failures, total (`days` 1..30, default 7). */
    executions: (projectId: string, days?: number): Promise<ExecutionStatsResponse> =>
      call('GET', `/projects/${projectId}/executions/stats`, () =>
        this.api.GET('/projects/{project_id}/executions/stats', { params: { path: { project_id: projectId }, query: { days: queryNumber(days) } } }),
      ),
    failed: (projectId: string, days?: number): Promise<FailedStatsResponse> =>
      call('GET', `/projects/${projectId}/executions/failed-stats`, () =>
        this.api.GET('/projects/{project_id}/executions/failed-stats', { params: { path: { project_id: projectId }, query: { days: queryNumber(days) } } }),
      ),
    failuresOfDay: (projectId: string, date: string): Promise<FailuresOfDayResponse> =>
      call('GET', `/projects/${projectId}/failures`, () =>
        this.api.GET('/projects/{project_id}/failures', { params: { path: { project_id: projectId }, query: { date } } }),
      ),
  };

  /** Event history of a project, a task, a group or an execution. */
  readonly audit = {
    project: (projectId: string, query?: ProjectAuditQuery) => this.projects.audit(projectId, query),
    task: (taskId: string, query?: AuditQuery) => this.tasks.audit(taskId, query),
    group: (groupId: string, query?: AuditQuery) => this.groups.audit(groupId, query),
    execution: (executionId: string, paging?: Paging) => this.executions.audit(executionId, paging),
    /**
     * The project's audit export (project admins and super admins): its events as stored with their
     * hash-chain links, as the server streams it (README, "Audit export").
     */
    export: async (projectId: string, query: AuditExportQuery = {}): Promise<ReadableStream<Uint8Array>> => {
      const body = await call('GET', `/projects/${projectId}/audit/export`, () =>
        this.api.GET('/projects/{project_id}/audit/export', { params: { path: { project_id: projectId }, query }, parseAs: 'stream' }),
      );
      if (!body) throw new Error(`GET /projects/${projectId}/audit/export: an answer without a body`);
      return body as ReadableStream<Uint8Array>;
    },
    /**
     * Checks the hash chain (README, "Tamper evidence") of a project's streams (project admins), or of
     * the whole store without a project (super admins), as the server walks it: NDJSON progress lines,
     * then the report line (see `readVerification`).
     */
    verify: async (projectId?: string): Promise<ReadableStream<Uint8Array>> => {
      const body =
        projectId === undefined
          ? await call('GET', '/admin/audit/verify', () => this.api.GET('/admin/audit/verify', { parseAs: 'stream' }))
          : await call('GET', `/projects/${projectId}/audit/verify`, () =>
              this.api.GET('/projects/{project_id}/audit/verify', { params: { path: { project_id: projectId } }, parseAs: 'stream' }),
            );
      if (!body) throw new Error('audit verify: an answer without a body');
      return body as ReadableStream<Uint8Array>;
    },
  };

  /** A project by id or by name (case-insensitively) among the caller's projects. */
  async findProject(idOrName: string): Promise<Project> {
    const projects = await this.projects.list();
    const found = projects.find((p) => p.id === idOrName) ?? projects.find((p) => p.name.toLowerCase() === idOrName.toLowerCase());
    if (!found) throw new Error(`No project "${idOrName}" among yours (${projects.map((p) => p.name).join(', ') || 'none'})`);
    return found;
  }

  /** A task of the project by id or by name (case-insensitively). */
  async findTask(projectId: string, idOrName: string): Promise<Task> {
    const tasks = await this.tasks.list(projectId);
    const found = tasks.find((t) => t.id === idOrName) ?? tasks.find((t) => t.name.toLowerCase() === idOrName.toLowerCase());
    if (!found) throw new Error(`No task "${idOrName}" in project ${projectId}`);
    return found;
  }
}

/** Which events an audit export holds, and how it is written. */
export interface AuditExportQuery {
  /** ISO 8601 instant: events that occurred at or after it. */
  from?: string;
  /** ISO 8601 instant: events that occurred before it. */
  to?: string;
  /** `ndjson` (default) or `csv`. */
  format?: 'ndjson' | 'csv';
}

/** The original API's lenient numbers are declared as text (the server clamps or defaults them). */
function queryNumber(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}
