import { Body, Controller, Delete, Get, Path, Post, Put, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { executeCommand } from '../../commands/execute-command';
import { scheduleRulesDecider } from '../../commands/schedule-rules/schedule-rules-decider';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import type { CalendarDef } from '../../events/schedule-rule-events';
import { projectStream } from '../../events/streams';
import { scheduleRulesOf } from '../../queries/schedule-rules';
import { IcsError, icsDates } from '../../schedules/ics-dates';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import {
  type CalendarBody,
  type CalendarImportBody,
  type CalendarResponse,
  calendarFromBody,
  calendarShape,
  icsCalendarName,
  importFromBody,
  requireRuleId,
} from '../shapes/calendar-body';

export interface CalendarList {
  data: CalendarResponse[];
}

/**
 * A project's calendars: named sets of dates that tasks and groups `skip` or run `only` on (their
 * `calendar` field), entered by hand or imported from an iCalendar file. Members read them; admins
 * and editors change them, as for tasks.
 */
@Route('projects/{project_id}/calendars')
@Tags('Projects')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or calendar')
@Response<ErrorBody>(410, 'The project has been deleted')
export class CalendarsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  @Get()
  public async listProjectCalendars(@Path() project_id: string, @Request() request: ExpressRequest): Promise<CalendarList> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const { calendars } = await scheduleRulesOf(this.services.events, project_id);
    return { data: Object.entries(calendars).map(([id, calendar]) => calendarShape(id, calendar)) };
  }

  @Get('{calendar_id}')
  public async getProjectCalendar(@Path() project_id: string, @Path() calendar_id: string, @Request() request: ExpressRequest): Promise<CalendarResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const { calendars } = await scheduleRulesOf(this.services.events, project_id);
    const calendar = calendars[calendar_id];
    if (!calendar) throw new NotFoundError(`Calendar ${calendar_id} does not exist in this project`);
    return calendarShape(calendar_id, calendar);
  }

  /** Creates or replaces a calendar (its full set of dates). */
  @Put('{calendar_id}')
  @Response<ErrorBody>(400, 'Invalid calendar, with details')
  @Response<ErrorBody>(403, 'Not a project admin or editor')
  public async setProjectCalendar(
    @Path() project_id: string,
    @Path() calendar_id: string,
    @Body() body: CalendarBody,
    @Request() request: ExpressRequest,
  ): Promise<CalendarResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    requireRuleId('calendar_id', calendar_id);
    return this.save(project_id, calendar_id, calendarFromBody(body), request);
  }

  /**
   * Fills a calendar from an iCalendar (.ics) file, replacing its dates (and creating it when new).
   * All-day events give their dates (DTEND exclusive), timed events the date they start on in
   * `timezone`, recurring events their dates up to two years after the import.
   */
  @Post('{calendar_id}/import')
  @Response<ErrorBody>(400, 'Not an iCalendar file, or invalid zone, with details')
  @Response<ErrorBody>(403, 'Not a project admin or editor')
  public async importProjectCalendar(
    @Path() project_id: string,
    @Path() calendar_id: string,
    @Body() body: CalendarImportBody,
    @Request() request: ExpressRequest,
  ): Promise<CalendarResponse> {
    const { access, events, clock } = this.services;
    await access.require(principalOf(request), project_id, 'edit');
    requireRuleId('calendar_id', calendar_id);
    const { ics, timezone, name } = importFromBody(body);
    let dates: string[];
    try {
      dates = icsDates(ics, timezone, clock.now().getTime());
    } catch (err) {
      if (err instanceof IcsError) throw new ValidationError('Invalid iCalendar file', [`ics: ${err.message}`]);
      throw err;
    }
    const existing = (await scheduleRulesOf(events, project_id)).calendars[calendar_id];
    const calendarName = name ?? existing?.name ?? icsCalendarName(ics) ?? calendar_id;
    return this.save(project_id, calendar_id, { name: calendarName, dates }, request);
  }

  /** Removes a calendar; tasks that use it then `skip` nothing, and `only` tasks stop running. */
  @Delete('{calendar_id}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(403, 'Not a project admin or editor')
  public async removeProjectCalendar(@Path() project_id: string, @Path() calendar_id: string, @Request() request: ExpressRequest): Promise<void> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const command = { type: 'RemoveCalendar' as const, calendarId: calendar_id, at: this.services.clock.now().toISOString() };
    await executeCommand(this.services, projectStream(project_id), scheduleRulesDecider, command, commandContextOf(request));
    this.setStatus(204);
  }

  private async save(projectId: string, calendarId: string, calendar: CalendarDef, request: ExpressRequest): Promise<CalendarResponse> {
    const command = { type: 'SetCalendar' as const, calendarId, calendar, at: this.services.clock.now().toISOString() };
    const { state } = await executeCommand(this.services, projectStream(projectId), scheduleRulesDecider, command, commandContextOf(request));
    return calendarShape(calendarId, state!.calendars[calendarId]!);
  }
}
