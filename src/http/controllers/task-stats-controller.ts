import { Controller, Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { ValidationError } from '../../errors/app-error';
import { quoted } from '../../errors/quoted';
import { hourKeyOf } from '../../projections/stats-buckets';
import { statsZoneOf } from '../../queries/stats-range';
import { TASK_STATS_SORTS, type TaskStatsList, type TaskStatsSort, taskStats } from '../../queries/task-stats';
import { formatDay } from '../../schedules/civil-time';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { intInRange } from '../query-params';
import { statsRangeParams } from '../stats-range-params';

/** Each task's buckets are read once per request: the ranges are shorter than the project series'. */
const MAX_HOURS = 48;
const MAX_DAYS = 92;

/**
 * Per-task statistics of a project over a range, from each task's pre-aggregated buckets (never the
 * execution history): the top failing tasks and the slowest by p95 duration. Project members (viewer and
 * up) and `read`/`write` keys.
 */
@Route('projects/{project_id}/stats')
@Tags('Stats')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Missing or bad credentials')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown project (or not a member)')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class TaskStatsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * The project's tasks ranked over a range: `sort=failures` (default) lists tasks with failures (FAILED,
   * TIMED_OUT, MISSED), most first; `sort=p95` lists tasks with durations, the longest p95 first.
   *
   * - `granularity=hour`: UTC hours overlapping [`from`, `to`) (ISO instants; default the last 24 hours), at most 48.
   * - `granularity=day` (default): the project's days `from` … `to` (`YYYY-MM-DD`, both included; default the last 7
   *   days up to today), at most 92.
   * @param granularity hour or day (default day)
   * @param sort failures or p95 (default failures)
   * @param limit 1 to 100 (default 10)
   */
  @Get('tasks')
  public async getTaskStats(
    @Path() project_id: string,
    @Request() request: ExpressRequest,
    @Query() granularity?: 'hour' | 'day',
    @Query() from?: string,
    @Query() to?: string,
    @Query() sort?: string,
    @Query() limit?: number,
  ): Promise<TaskStatsList> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const order = sortParam(sort);
    const size = intInRange('limit', limit, { min: 1, max: 100, fallback: 10 });
    const zone = granularity === 'hour' ? 'UTC' : await statsZoneOf(this.services, project_id);
    const range = statsRangeParams({ granularity, from, to }, { nowMs: this.services.clock.now().getTime(), zone, maxHours: MAX_HOURS, maxDays: MAX_DAYS });
    const keys =
      range.granularity === 'hour'
        ? { granularity: 'hour' as const, fromKey: hourKeyOf(range.fromMs), toKey: hourKeyOf(range.toMs - 1) }
        : { granularity: 'day' as const, fromKey: formatDay(range.fromDay), toKey: formatDay(range.toDay) };
    return taskStats(this.services, { projectId: project_id, ...keys, timezone: zone, sort: order, limit: size });
  }
}

function sortParam(value: string | undefined): TaskStatsSort {
  if (value === undefined || value === '') return 'failures';
  if ((TASK_STATS_SORTS as readonly string[]).includes(value)) return value as TaskStatsSort;
  throw new ValidationError('Invalid sort', [`sort: ${quoted(value)} is not one of ${TASK_STATS_SORTS.join(', ')}`]);
}
