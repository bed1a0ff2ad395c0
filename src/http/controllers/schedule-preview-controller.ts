import { Body, Controller, Get, Path, Post, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { ValidationError } from '../../errors/app-error';
import { findTask } from '../../queries/find-task';
import { tickJudge } from '../../queries/tick-judge';
import { nextOccurrences, type Occurrence } from '../../schedules/next-occurrences';
import { type ScheduleType, validateScheduleConfig } from '../../schedules/schedule-config';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { intInRange } from '../query-params';
import type { ScheduleConfigBody } from '../shapes/schedule-config-body';

export interface SchedulePreviewBody {
  schedule_type: ScheduleType;
  schedule_config: ScheduleConfigBody;
  /**
   * How many occurrences, 1 to 100 (default 10).
   * @isInt
   */
  count?: number;
}

export interface OccurrenceResponse {
  /** The UTC instant. */
  at: string;
  /** Local date-time with its offset in the schedule's zone, e.g. 2026-03-08T03:00:00-04:00. */
  local: string;
  /**
   * How daylight saving time touched it: `gap_shifted` (its wall-clock time did not exist, it runs
   * at the end of the gap), `repeated` (second run of a wall-clock time that happened twice),
   * `transition_day` (untouched, on a day the offset changes); null otherwise.
   */
  dst: 'gap_shifted' | 'repeated' | 'transition_day' | null;
}

export interface SchedulePreviewResponse {
  timezone: string;
  occurrences: OccurrenceResponse[];
}

/** A task's upcoming run: whether it fires, and if not, why. */
export interface TaskOccurrenceResponse extends OccurrenceResponse {
  /** false when the task's calendar, a maintenance window, a snooze or its group holds the tick back. */
  fires: boolean;
  /**
   * Why it does not fire: `calendar "Holidays" (skip)`, `maintenance window "Release"`, `snoozed until
   * 2026-06-01T09:00:00.000Z`, `group window closed`, `group disabled`; null when it fires.
   */
  skipped_reason: string | null;
}

export interface TaskPreviewResponse {
  timezone: string;
  occurrences: TaskOccurrenceResponse[];
}

const COUNT = { min: 1, max: 100, fallback: 10 };

/** The next occurrences of a schedule, in UTC and in its zone, with DST flags. */
@Route('')
@Tags('Schedules')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid schedule or count, with details')
export class SchedulePreviewController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Previews a schedule before saving it (interval schedules count from now, as for a task created now). */
  @Post('schedules/preview')
  public async previewSchedule(@Body() body: SchedulePreviewBody): Promise<SchedulePreviewResponse> {
    const count = intInRange('count', body.count, COUNT);
    const validation = validateScheduleConfig(body.schedule_type, body.schedule_config);
    if (!validation.ok) throw new ValidationError('Invalid schedule_config', validation.details);
    const now = this.services.clock.now();
    return previewResponse(validation.value.timezone, nextOccurrences(body.schedule_type, validation.value, now, count));
  }

  /**
   * The task's next occurrences from now (interval schedules count from the task's creation), each
   * marked as firing or skipped with the reason, judged as the scheduler judges them.
   */
  @Get('projects/{project_id}/tasks/{task_uuid}/preview')
  public async previewTask(
    @Path() project_id: string,
    @Path() task_uuid: string,
    @Request() request: ExpressRequest,
    @Query() count?: number,
  ): Promise<TaskPreviewResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const task = await findTask(this.services, project_id, task_uuid);
    const now = this.services.clock.now();
    const occurrences = nextOccurrences(task.scheduleType, task.scheduleConfig, now, intInRange('count', count, COUNT), new Date(task.createdAt));
    const judge = await tickJudge(this.services, task);
    const { timezone, occurrences: shaped } = previewResponse(task.scheduleConfig.timezone, occurrences);
    return { timezone, occurrences: shaped.map((occurrence) => ({ ...occurrence, ...judge(Date.parse(occurrence.at)) })) };
  }
}

function previewResponse(timezone: string, occurrences: Occurrence[]): SchedulePreviewResponse {
  return { timezone, occurrences: occurrences.map(({ at, local, dst }) => ({ at: at.toISOString(), local, dst: dst ?? null })) };
}
