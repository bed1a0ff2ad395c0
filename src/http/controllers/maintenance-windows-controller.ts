import { Body, Controller, Delete, Get, Path, Put, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { executeCommand } from '../../commands/execute-command';
import { scheduleRulesDecider } from '../../commands/schedule-rules/schedule-rules-decider';
import { projectStream } from '../../events/streams';
import { scheduleRulesOf } from '../../queries/schedule-rules';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { requireRuleId } from '../shapes/calendar-body';
import {
  type MaintenanceWindowBody,
  type MaintenanceWindowResponse,
  maintenanceWindowFromBody,
  maintenanceWindowShape,
} from '../shapes/maintenance-window-body';

export interface MaintenanceWindowList {
  data: MaintenanceWindowResponse[];
}

/**
 * A project's maintenance windows (snoozes included), for the project, a group or a task: `pause`
 * (no ticks fire inside, none are owed after a restart, alerts are silenced) or `silence` (ticks fire,
 * alerts are not sent). Members read them; admins and editors change them.
 */
@Route('projects/{project_id}/maintenance-windows')
@Tags('Projects')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or window')
@Response<ErrorBody>(410, 'The project has been deleted')
export class MaintenanceWindowsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  @Get()
  public async listMaintenanceWindows(@Path() project_id: string, @Request() request: ExpressRequest): Promise<MaintenanceWindowList> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const { windows } = await scheduleRulesOf(this.services.events, project_id);
    return { data: Object.entries(windows).map(([id, window]) => maintenanceWindowShape(id, window)) };
  }

  /** Creates or replaces a window. */
  @Put('{window_id}')
  @Response<ErrorBody>(400, 'Invalid window, with details')
  @Response<ErrorBody>(403, 'Not a project admin or editor')
  public async setMaintenanceWindow(
    @Path() project_id: string,
    @Path() window_id: string,
    @Body() body: MaintenanceWindowBody,
    @Request() request: ExpressRequest,
  ): Promise<MaintenanceWindowResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    requireRuleId('window_id', window_id);
    const window = maintenanceWindowFromBody(body);
    const command = { type: 'SetMaintenanceWindow' as const, windowId: window_id, window, at: this.services.clock.now().toISOString() };
    const { state } = await executeCommand(this.services, projectStream(project_id), scheduleRulesDecider, command, commandContextOf(request));
    return maintenanceWindowShape(window_id, state!.windows[window_id]!);
  }

  @Delete('{window_id}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(403, 'Not a project admin or editor')
  public async removeMaintenanceWindow(@Path() project_id: string, @Path() window_id: string, @Request() request: ExpressRequest): Promise<void> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const command = { type: 'RemoveMaintenanceWindow' as const, windowId: window_id, at: this.services.clock.now().toISOString() };
    await executeCommand(this.services, projectStream(project_id), scheduleRulesDecider, command, commandContextOf(request));
    this.setStatus(204);
  }
}
