import { Controller, Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { ValidationError } from '../../errors/app-error';
import { localDayStartMs, usableZone } from '../../projections/stats-buckets';
import { executionHistory, requireTaskOfProject } from '../../queries/history-range';
import { projectById } from '../../queries/projects';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { intInRange } from '../query-params';
import { optionalDayNumber, optionalInstantMs, optionalZone, statusList, triggerTypeList } from '../read-side-params';
import { type ExecutionResponse, toExecutionResponse } from '../shapes/execution-shape';

export interface ExecutionHistoryPage {
  /** Newest first by scheduled instant (then by id). Log lines are not embedded: see `logs_count` and GET /executions/{id}/logs. */
  data: ExecutionResponse[];
  /** Pass as `cursor` (with the same filters) for the next page; null on the last page. */
  next_cursor: string | null;
  /** The range of scheduled instants asked for, [from, to); null when open. */
  from: string | null;
  to: string | null;
  /** The zone `date` was read in; null when no `date` was given. */
  timezone: string | null;
}

/**
 * Execution history by project or by task, newest first by scheduled instant (creation for a manual
 * run), a page at a time with an opaque cursor. Paging is stable while executions keep arriving: no
 * row is repeated, and none that matches all along is skipped.
 *
 * Range: `date` (a calendar day in `tz`, default the project's zone; unlike the original API's per-task
 * `executions?date=`, which stays a UTC day of creation) or `from`/`to` (ISO instants, [from, to)), or
 * neither (all history).
 */
@Route('projects/{project_id}')
@Tags('Executions')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Missing or bad credentials')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or task')
export class ExecutionHistoryController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * The project's executions.
   * @param date A calendar day, YYYY-MM-DD, in `tz`.
   * @param tz IANA zone of `date` (default the project's zone).
   * @param from ISO instant, included.
   * @param to ISO instant, excluded.
   * @param status Comma-separated statuses, e.g. FAILED,TIMED_OUT.
   * @param trigger_type Comma-separated trigger types, e.g. MANUAL.
   * @param limit 1 to 500, default 50.
   * @param cursor `next_cursor` of the previous page.
   */
  @Get('executions')
  public async projectHistory(
    @Path() project_id: string,
    @Request() request: ExpressRequest,
    @Query() date?: string,
    @Query() tz?: string,
    @Query() from?: string,
    @Query() to?: string,
    @Query() status?: string,
    @Query() trigger_type?: string,
    @Query() limit?: number,
    @Query() cursor?: string,
  ): Promise<ExecutionHistoryPage> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    return this.page(project_id, undefined, { date, tz, from, to, status, trigger_type, limit, cursor });
  }

  /**
   * One task's executions (also of a deleted task whose history is kept).
   * @param date A calendar day, YYYY-MM-DD, in `tz`.
   * @param tz IANA zone of `date` (default the project's zone).
   * @param from ISO instant, included.
   * @param to ISO instant, excluded.
   * @param status Comma-separated statuses, e.g. FAILED,TIMED_OUT.
   * @param trigger_type Comma-separated trigger types, e.g. MANUAL.
   * @param limit 1 to 500, default 50.
   * @param cursor `next_cursor` of the previous page.
   */
  @Get('tasks/{task_uuid}/history')
  public async taskHistory(
    @Path() project_id: string,
    @Path() task_uuid: string,
    @Request() request: ExpressRequest,
    @Query() date?: string,
    @Query() tz?: string,
    @Query() from?: string,
    @Query() to?: string,
    @Query() status?: string,
    @Query() trigger_type?: string,
    @Query() limit?: number,
    @Query() cursor?: string,
  ): Promise<ExecutionHistoryPage> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    await requireTaskOfProject(this.services, project_id, task_uuid);
    return this.page(project_id, task_uuid, { date, tz, from, to, status, trigger_type, limit, cursor });
  }

  private async page(
    projectId: string,
    taskId: string | undefined,
    params: { date?: string; tz?: string; from?: string; to?: string; status?: string; trigger_type?: string; limit?: number; cursor?: string },
  ): Promise<ExecutionHistoryPage> {
    const day = optionalDayNumber('date', params.date);
    let fromMs = optionalInstantMs('from', params.from);
    let toMs = optionalInstantMs('to', params.to);
    let zone: string | null = null;
    if (day !== undefined) {
      if (fromMs !== undefined || toMs !== undefined) throw new ValidationError('Invalid range', ['date: give either date (with tz) or from/to, not both']);
      zone = optionalZone('tz', params.tz) ?? usableZone((await projectById(this.services, projectId))?.timezone);
      fromMs = localDayStartMs(day, zone);
      toMs = localDayStartMs(day + 1, zone);
    } else if (params.tz) {
      throw new ValidationError('Invalid tz', ['tz: applies to date only']);
    }
    if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) throw new ValidationError('Invalid range', ['from: must be before to']);
    const from = fromMs === undefined ? undefined : new Date(fromMs).toISOString();
    const to = toMs === undefined ? undefined : new Date(toMs).toISOString();
    const page = await executionHistory(this.services, {
      projectId,
      taskId,
      from,
      to,
      statuses: statusList('status', params.status),
      triggerTypes: triggerTypeList('trigger_type', params.trigger_type),
      limit: intInRange('limit', params.limit, { min: 1, max: 500, fallback: 50 }),
      cursor: params.cursor || undefined,
    });
    return {
      data: page.items.map((execution) => toExecutionResponse(execution)),
      next_cursor: page.nextCursor ?? null,
      from: from ?? null,
      to: to ?? null,
      timezone: zone,
    };
  }
}
