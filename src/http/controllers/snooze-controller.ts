import { Body, Controller, Delete, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { executeCommand } from '../../commands/execute-command';
import { scheduleRulesDecider } from '../../commands/schedule-rules/schedule-rules-decider';
import { ValidationError } from '../../errors/app-error';
import { snoozeWindowId } from '../../events/schedule-rule-events';
import { projectStream } from '../../events/streams';
import { findTask } from '../../queries/find-task';
import { findTaskGroup } from '../../queries/find-task-group';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { instantField, type MaintenanceWindowResponse, maintenanceWindowShape } from '../shapes/maintenance-window-body';

export interface SnoozeBody {
  /** ISO 8601 instant with Z or an offset, in the future and at most 90 days ahead. */
  until: string;
}

/** A snooze lasts at most this long. */
export const MAX_SNOOZE_DAYS = 90;

/**
 * Snoozing a task or a group: its ticks do not fire and its alerts are not sent until `until`, then it
 * runs again by itself. Kept as a one-off pause window (`snooze: true`) in the project's maintenance
 * windows, so the scheduler, the preview and the alerts treat it as any other pause.
 */
@Route('projects/{project_id}')
@Tags('Tasks')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(403, 'Not a project admin or editor')
@Response<ErrorBody>(404, 'Unknown project (or not a member), task or group, or no snooze')
export class SnoozeController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  @Post('tasks/{task_uuid}/snooze')
  @Response<ErrorBody>(400, 'until in the past or too far ahead')
  public async snoozeTask(@Path() project_id: string, @Path() task_uuid: string, @Body() body: SnoozeBody, @Request() request: ExpressRequest): Promise<MaintenanceWindowResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const task = await findTask(this.services, project_id, task_uuid);
    return this.snooze(project_id, 'task', task.id, `Snooze of ${task.name}`, body, request);
  }

  @Delete('tasks/{task_uuid}/snooze')
  @SuccessResponse(204, 'Snooze ended')
  public async endTaskSnooze(@Path() project_id: string, @Path() task_uuid: string, @Request() request: ExpressRequest): Promise<void> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    await this.end(project_id, snoozeWindowId('task', task_uuid), request);
  }

  @Post('task-groups/{group_uuid}/snooze')
  @Response<ErrorBody>(400, 'until in the past or too far ahead')
  public async snoozeTaskGroup(@Path() project_id: string, @Path() group_uuid: string, @Body() body: SnoozeBody, @Request() request: ExpressRequest): Promise<MaintenanceWindowResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const group = await findTaskGroup(this.services, project_id, group_uuid);
    return this.snooze(project_id, 'group', group.id, `Snooze of ${group.name}`, body, request);
  }

  @Delete('task-groups/{group_uuid}/snooze')
  @SuccessResponse(204, 'Snooze ended')
  public async endTaskGroupSnooze(@Path() project_id: string, @Path() group_uuid: string, @Request() request: ExpressRequest): Promise<void> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    await this.end(project_id, snoozeWindowId('group', group_uuid), request);
  }

  private async snooze(projectId: string, kind: 'task' | 'group', id: string, name: string, body: SnoozeBody, request: ExpressRequest): Promise<MaintenanceWindowResponse> {
    const now = this.services.clock.now().getTime();
    const details: string[] = [];
    const until = instantField('until', body?.until, details);
    if (details.length === 0 && until <= now) details.push('until: must be in the future');
    if (details.length === 0 && until > now + MAX_SNOOZE_DAYS * 86_400_000) details.push(`until: at most ${MAX_SNOOZE_DAYS} days ahead`);
    if (details.length > 0) throw new ValidationError('Invalid snooze', details);
    const windowId = snoozeWindowId(kind, id);
    const scope = kind === 'task' ? { kind, taskId: id } : { kind, groupId: id };
    const window = { name: name.slice(0, 100), scope, effect: 'pause' as const, timing: { kind: 'once' as const, start: new Date(now).toISOString(), end: new Date(until).toISOString() }, snooze: true as const };
    const command = { type: 'SetMaintenanceWindow' as const, windowId, window, at: new Date(now).toISOString() };
    const { state } = await executeCommand(this.services, projectStream(projectId), scheduleRulesDecider, command, commandContextOf(request));
    return maintenanceWindowShape(windowId, state!.windows[windowId]!);
  }

  private async end(projectId: string, windowId: string, request: ExpressRequest): Promise<void> {
    const command = { type: 'RemoveMaintenanceWindow' as const, windowId, at: this.services.clock.now().toISOString() };
    await executeCommand(this.services, projectStream(projectId), scheduleRulesDecider, command, commandContextOf(request));
    this.setStatus(204);
  }
}
