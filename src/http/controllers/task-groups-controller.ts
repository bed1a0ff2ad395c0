import { Body, Controller, Delete, Extension, Get, Path, Post, Put, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { pingUrlBaseFor } from '../ping/ping-url-shown';
import type { AppServices } from '../../app-services';
import { deleteTaskGroup } from '../../commands/flows/delete-task-group';
import { executeCommand } from '../../commands/execute-command';
import type { TaskGroupCommand } from '../../commands/task-group/task-group-commands';
import { taskGroupDecider } from '../../commands/task-group/task-group-decider';
import { ValidationError } from '../../errors/app-error';
import { taskGroupStream } from '../../events/streams';
import { findTaskGroup } from '../../queries/find-task-group';
import { groupRunState } from '../../queries/group-run-state';
import { listGroupTasks } from '../../queries/list-tasks';
import { listTaskGroups } from '../../queries/list-task-groups';
import { withRunStates } from '../../queries/task-run-states';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { absentIfEmpty } from '../shapes/empty-means-absent';
import { ifMatchOf, setETag } from '../revision-headers';
import { type CreateTaskGroupBody, taskGroupDefinitionFromBody, type UpdateTaskGroupBody } from '../shapes/task-group-input';
import { type TaskGroupResponse, toTaskGroupResponse } from '../shapes/task-group-shape';
import { type TaskResponse, toTaskResponse } from '../shapes/task-shape';
import { newEntityId } from '../../commands/idempotent-request';
import { requireCalendarOfProject } from '../../commands/flows/calendar-reference';
import { quoted } from '../../errors/quoted';

/** The original API's answer to start/stop (`message`), beside the group as it is now. */
export type GroupSwitchResponse = TaskGroupResponse & {
  /** "Group started successfully" or "Group stopped successfully". */
  message: string;
};

/** Task groups of a project (COMPAT.md): CRUD, manual start/stop, and the group's tasks. */
@Route('projects/{project_id}/task-groups')
@Tags('Task groups')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Missing or bad credentials')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or group')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class TaskGroupsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Every group of the project, oldest first. */
  @Get()
  @Extension('x-original-api', true)
  public async listTaskGroups(@Path() project_id: string, @Request() request: ExpressRequest): Promise<TaskGroupResponse[]> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const now = this.services.clock.now();
    return (await listTaskGroups(this.services, project_id)).map((group) => toTaskGroupResponse(group, groupRunState(group, now)));
  }

  @Post()
  @Extension('x-original-api', true)
  @SuccessResponse(201, 'Created')
  @Response<ErrorBody>(413, 'Body larger than the limit')
  public async createTaskGroup(
    @Path() project_id: string,
    @Body() body: CreateTaskGroupBody,
    @Request() request: ExpressRequest,
  ): Promise<TaskGroupResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    if (absentIfEmpty(body.project_id) !== null && body.project_id !== project_id) {
      throw new ValidationError('Invalid task group', [`project_id: ${quoted(body.project_id)} is not the project of the path (${project_id}); leave it out`]);
    }
    const groupId = newEntityId(commandContextOf(request));
    const definition = taskGroupDefinitionFromBody(body);
    await requireCalendarOfProject(this.services.events, project_id, definition.calendar, 'task group');
    await this.run(request, groupId, { type: 'CreateTaskGroup', groupId, projectId: project_id, definition, at: this.now() });
    this.setStatus(201);
    return this.response(project_id, groupId);
  }

  /** A group, with its `ETag` (the revision of its stream) for `If-Match`. */
  @Get('{group_uuid}')
  @Extension('x-original-api', true)
  public async getTaskGroup(@Path() project_id: string, @Path() group_uuid: string, @Request() request: ExpressRequest): Promise<TaskGroupResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    return this.response(project_id, group_uuid);
  }

  /**
   * A full update; a body exactly as GET returned it is accepted (read-only fields are ignored). With
   * `If-Match` (the group's ETag) it applies only to the group as it was then (else 412).
   */
  @Put('{group_uuid}')
  @Response<ErrorBody>(409, 'A concurrent change; try again')
  @Response<ErrorBody>(413, 'Body larger than the limit')
  @Extension('x-original-api', true)
  @Response<ErrorBody>(412, 'If-Match is not the current ETag: the group was changed since it was read')
  public async updateTaskGroup(
    @Path() project_id: string,
    @Path() group_uuid: string,
    @Body() body: UpdateTaskGroupBody,
    @Request() request: ExpressRequest,
  ): Promise<TaskGroupResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const definition = taskGroupDefinitionFromBody(body);
    await requireCalendarOfProject(this.services.events, project_id, definition.calendar, 'task group');
    await this.run(request, group_uuid, { type: 'UpdateTaskGroup', projectId: project_id, definition, at: this.now() });
    return this.response(project_id, group_uuid);
  }

  /**
   * Deletes the group. Its tasks are detached (`tasks=detach`, the default) or deleted
   * (`tasks=delete`); no task is left pointing at a missing group. Deleting again answers 204 too.
   */
  @Delete('{group_uuid}')
  @Extension('x-original-api', true)
  @SuccessResponse(204, 'Deleted')
  @Response<ErrorBody>(409, 'A concurrent change; try again')
  public async deleteTaskGroup(
    @Path() project_id: string,
    @Path() group_uuid: string,
    @Request() request: ExpressRequest,
    @Query() tasks?: 'detach' | 'delete',
  ): Promise<void> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const mode = tasks === 'delete' ? 'delete_tasks' : 'detach';
    await deleteTaskGroup(this.services, commandContextOf(request), project_id, group_uuid, mode);
    this.setStatus(204);
  }

  /** Runs the group's tasks now, until the next window boundary (with `If-Match`: only at that ETag). */
  @Post('{group_uuid}/start')
  @Extension('x-original-api', true)
  @Response<ErrorBody>(409, 'The group is DISABLED')
  @Response<ErrorBody>(412, 'If-Match is not the current ETag')
  public async startTaskGroup(@Path() project_id: string, @Path() group_uuid: string, @Request() request: ExpressRequest): Promise<GroupSwitchResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    await this.run(request, group_uuid, { type: 'StartTaskGroup', projectId: project_id, at: this.now() });
    return { message: 'Group started successfully', ...(await this.response(project_id, group_uuid)) };
  }

  /** Stops the group's tasks now, until the next window boundary (with `If-Match`: only at that ETag). */
  @Post('{group_uuid}/stop')
  @Extension('x-original-api', true)
  @Response<ErrorBody>(409, 'The group is DISABLED')
  @Response<ErrorBody>(412, 'If-Match is not the current ETag')
  public async stopTaskGroup(@Path() project_id: string, @Path() group_uuid: string, @Request() request: ExpressRequest): Promise<GroupSwitchResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    await this.run(request, group_uuid, { type: 'StopTaskGroup', projectId: project_id, at: this.now() });
    return { message: 'Group stopped successfully', ...(await this.response(project_id, group_uuid)) };
  }

  /** The group's tasks, oldest first; `[]` when it has none. */
  @Get('{group_uuid}/tasks')
  @Extension('x-original-api', true)
  public async listGroupTasks(@Path() project_id: string, @Path() group_uuid: string, @Request() request: ExpressRequest): Promise<TaskResponse[]> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    await findTaskGroup(this.services, project_id, group_uuid);
    const tasks = await withRunStates(this.services, await listGroupTasks(this.services, group_uuid), this.services.clock.now());
    const pingUrlBase = await pingUrlBaseFor(this.services, request, project_id);
    return tasks.map(({ task, state }) => toTaskResponse(task, state, pingUrlBase));
  }

  private async run(request: ExpressRequest, groupId: string, command: TaskGroupCommand): Promise<void> {
    await executeCommand(this.services, taskGroupStream(groupId), taskGroupDecider, command, commandContextOf(request), { ifMatch: ifMatchOf(request) });
  }

  private async response(projectId: string, groupId: string): Promise<TaskGroupResponse> {
    const group = await findTaskGroup(this.services, projectId, groupId);
    setETag(this, group);
    return toTaskGroupResponse(group, groupRunState(group, this.services.clock.now()));
  }

  private now(): string {
    return this.services.clock.now().toISOString();
  }
}
