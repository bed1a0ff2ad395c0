import { Controller, Extension, Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { ValidationError } from '../../errors/app-error';
import { localDayOf } from '../../projections/stats-buckets';
import { requireTaskOfProject } from '../../queries/history-range';
import {
  type CalendarMonth,
  type CompatDayStats,
  type CompatFailedDay,
  type CompatTaskFailures,
  type StatsRange,
  calendarMonth,
  compatExecutionStats,
  compatFailedStats,
  compatFailuresOfDay,
  dailyStats,
  hourlyStats,
  statsZoneOf,
} from '../../queries/stats-range';
import { formatDay } from '../../schedules/civil-time';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { compatDays, requiredDay } from '../query-params';
import { optionalMonth, optionalZone } from '../read-side-params';
import { statsRangeParams } from '../stats-range-params';

export interface ExecutionStatsResponse {
  /** One row per UTC day with executions, newest first. */
  stats: CompatDayStats[];
}

export interface FailedStatsResponse {
  /** One row per UTC day with failures, newest first. */
  stats: CompatFailedDay[];
  total: number;
}

export interface FailuresOfDayResponse {
  date: string;
  /** Tasks with failures that day, most first. */
  tasks: CompatTaskFailures[];
  total: number;
  calculated_at: string;
}

const MAX_HOURS = 31 * 24;
const MAX_DAYS = 366;

/**
 * Execution statistics from the pre-aggregated `stats` read model: counts by outcome, durations and
 * success rate per hour or day, for a project or one task; the original API's three stats endpoints;
 * and the calendar. Executions are counted by their scheduled instant (creation for a manual run).
 * Failures are FAILED + TIMED_OUT + MISSED. Project members (viewer and up) and `read`/`write` keys.
 */
@Route('projects/{project_id}')
@Tags('Stats')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Missing or bad credentials')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or task')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class StatsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * Stats per bucket over a range, every bucket included (empty ones with zeros), plus the range's totals.
   *
   * - `granularity=hour`: UTC hours overlapping [`from`, `to`) (ISO instants; default the last 24 hours up to now), at most 744.
   * - `granularity=day` (default): the days `from` … `to` (`YYYY-MM-DD`, both included; default the last 7 days up to
   *   today) in `tz` (default the project's zone), at most 366. Without `tz` (or with the project's zone) the project's
   *   daily buckets answer, each day in the zone the project had when its executions were created (a zone change
   *   does not move days already counted); with another zone (UTC included) the UTC hours summed per local day: exact
   *   for whole-hour offsets; in :30/:45 zones each UTC hour counts for the local day it starts in.
   * @param granularity hour or day (default day)
   * @param task_id Only this task's executions (a task of the project, live or deleted).
   * @param tz IANA zone of the days (granularity=day only).
   */
  @Get('stats')
  public async getStats(
    @Path() project_id: string,
    @Request() request: ExpressRequest,
    @Query() granularity?: 'hour' | 'day',
    @Query() from?: string,
    @Query() to?: string,
    @Query() task_id?: string,
    @Query() tz?: string,
  ): Promise<StatsRange> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const taskId = await this.taskParam(project_id, task_id);
    if (granularity === 'hour' && tz) throw new ValidationError('Invalid tz', ['tz: hours are UTC hours; tz applies to granularity=day']);
    const zone = granularity === 'hour' ? 'UTC' : (optionalZone('tz', tz) ?? (await statsZoneOf(this.services, project_id)));
    const range = statsRangeParams({ granularity, from, to }, { nowMs: this.services.clock.now().getTime(), zone, maxHours: MAX_HOURS, maxDays: MAX_DAYS });
    if (range.granularity === 'hour') return hourlyStats(this.services, { projectId: project_id, taskId, fromMs: range.fromMs, toMs: range.toMs });
    const { fromDay, toDay } = range;
    return dailyStats(this.services, { projectId: project_id, taskId, fromDay, toDay, timezone: zone });
  }

  /**
   * Which days of a month had executions and how many of them failed (date navigation). Days are those of
   * `tz` (default the project's zone), as for `GET …/stats?granularity=day`.
   * @param month YYYY-MM (default the current month in the zone).
   */
  @Get('calendar')
  public async getCalendar(
    @Path() project_id: string,
    @Request() request: ExpressRequest,
    @Query() month?: string,
    @Query() task_id?: string,
    @Query() tz?: string,
  ): Promise<CalendarMonth> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const taskId = await this.taskParam(project_id, task_id);
    const zone = optionalZone('tz', tz) ?? (await statsZoneOf(this.services, project_id));
    const current = formatDay(localDayOf(this.services.clock.now().getTime(), zone)).slice(0, 7);
    return calendarMonth(this.services, { projectId: project_id, taskId, month: optionalMonth('month', month) ?? current, timezone: zone });
  }

  /**
   * The original API's daily stats: one row per UTC day with executions among the last `days` UTC days
   * (today included, by the server's clock), newest first. `failures` counts FAILED, TIMED_OUT and MISSED.
   * @param days 1 to 30 (a larger or smaller number is clamped); 7 when absent or not a number.
   */
  @Get('executions/stats')
  @Extension('x-original-api', true)
  public async getExecutionStats(@Path() project_id: string, @Request() request: ExpressRequest, @Query() days?: string): Promise<ExecutionStatsResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const n = compatDays(days);
    return compatExecutionStats(this.services, project_id, n, this.services.clock.now());
  }

  /**
   * The original API's failure counts: one row per UTC day with failures (FAILED, TIMED_OUT, MISSED)
   * among the last `days` UTC days, newest first, and their sum.
   * @param days 1 to 30 (a larger or smaller number is clamped); 7 when absent or not a number.
   */
  @Get('executions/failed-stats')
  @Extension('x-original-api', true)
  public async getFailedStats(@Path() project_id: string, @Request() request: ExpressRequest, @Query() days?: string): Promise<FailedStatsResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const n = compatDays(days);
    return compatFailedStats(this.services, project_id, n, this.services.clock.now());
  }

  /**
   * The original API's failures of one UTC day per task (tasks without failures left out), most first.
   * @param date The UTC day, YYYY-MM-DD (required).
   */
  @Get('failures')
  @Extension('x-original-api', true)
  public async getFailures(@Path() project_id: string, @Request() request: ExpressRequest, @Query() date?: string): Promise<FailuresOfDayResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const day = requiredDay('date', date);
    return compatFailuresOfDay(this.services, project_id, day, this.services.clock.now());
  }

  private async taskParam(projectId: string, taskId: string | undefined): Promise<string | null> {
    if (taskId === undefined || taskId === '') return null;
    await requireTaskOfProject(this.services, projectId, taskId);
    return taskId;
  }
}
