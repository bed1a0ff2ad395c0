import { Controller, Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { overviewParams } from '../../queries/overview/overview-params';
import type { OverviewRow } from '../../queries/overview/overview-row';
import { type ProjectOverview, projectOverview, projectOverviewRow } from '../../queries/overview/project-overview';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';

/**
 * The project page's overview: every task with its state, last runs, schedule, next run and 7-day
 * figures, searchable, filterable and sortable, one bounded page at a time. Read from the tasks, the
 * recent-runs and the stats read models only. Project members (viewer and up) and `read`/`write` keys.
 */
@Route('projects/{project_id}/overview')
@Tags('Overview')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid filter, sort, cursor or limit, with details')
@Response<ErrorBody>(401, 'Missing or bad credentials')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or task')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class OverviewController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * One page of the project's tasks. Rows come grouped by task group (groups with failing, late or
   * missed tasks first, the tasks without a group among them), each group's rows ordered by `sort`.
   * @param q Tasks whose name contains this (any case).
   * @param status States, separated by commas: failing, late, missed, running, ok, never_run, paused.
   * @param mode push, pull or external.
   * @param group A group's id, or `none` for the tasks without a group.
   * @param tag Tasks with this tag.
   * @param sort state (default: failing, late and missed first), name, group, mode, next_run, last_run, last_duration, p95 or success_rate.
   * @param order asc (default) or desc; tasks without the value come last either way.
   * @param cursor `next_cursor` of the previous page.
   * @param limit Rows per page, 1 to 200 (default 50).
   */
  @Get('')
  public async getOverview(
    @Path() project_id: string,
    @Request() request: ExpressRequest,
    @Query() q?: string,
    @Query() status?: string,
    @Query() mode?: string,
    @Query() group?: string,
    @Query() tag?: string,
    @Query() sort?: string,
    @Query() order?: string,
    @Query() cursor?: string,
    @Query() limit?: number,
  ): Promise<ProjectOverview> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    return projectOverview(this.services, project_id, overviewParams({ q, status, mode, group, tag, sort, order, cursor, limit }));
  }

  /** One task's overview row (what a live update of that row reads). */
  @Get('tasks/{task_uuid}')
  public async getOverviewRow(@Path() project_id: string, @Path() task_uuid: string, @Request() request: ExpressRequest): Promise<OverviewRow> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    return projectOverviewRow(this.services, project_id, task_uuid);
  }
}
