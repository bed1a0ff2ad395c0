import { Body, Controller, Delete, Extension, Get, Patch, Path, Post, Put, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import { pingUrlBaseFor } from '../ping/ping-url-shown';
import type { AppServices } from '../../app-services';
import { createTask } from '../../commands/flows/create-task';
import { requestTaskDeletion } from '../../commands/flows/request-task-deletion';
import { updateTask } from '../../commands/flows/update-task';
import { executeCommand } from '../../commands/execute-command';
import { taskDecider } from '../../commands/task/task-decider';
import { ValidationError } from '../../errors/app-error';
import { taskStream } from '../../events/streams';
import type { TaskStatus } from '../../events/task-events';
import type { TaskDoc } from '../../projections/task-read-model';
import { findTask } from '../../queries/find-task';
import { listProjectTasks, projectTasksPage } from '../../queries/list-tasks';
import { taskAsOf } from '../../queries/task-as-of';
import { withRunStates } from '../../queries/task-run-states';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { intInRange, optionalInstant } from '../query-params';
import { commandContextOf } from '../request-context';
import { absentIfEmpty } from '../shapes/empty-means-absent';
import { ifMatchOf, setETag } from '../revision-headers';
import { type CreateTaskBody, taskDraftFromBody, type UpdateTaskBody } from '../shapes/task-input';
import { type TaskResponse, toTaskResponse } from '../shapes/task-shape';
import { quoted } from '../../errors/quoted';

export interface TaskStatusBody {
  /** Only ACTIVE and DISABLED can be set. */
  status: TaskStatus;
}

export interface TaskDeletionResponse {
  status: 'PENDING_DELETE' | 'ALREADY_DELETED';
  task_uuid: string;
  message: string;
}

/** A page of a project's tasks (GET …/tasks/page). */
export interface TaskPage {
  /** Oldest first (by creation, then by id), as GET …/tasks lists them. */
  items: TaskResponse[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** The page size of GET …/tasks/page: the execution history's. */
const TASK_PAGE_LIMIT = { min: 1, max: 500, fallback: 50 };

/** Tasks of a project (COMPAT.md): list, create, read (also as of an instant), full update, status, delete. */
@Route('projects/{project_id}/tasks')
@Tags('Tasks')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Missing or bad credentials')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or task')
@Response<ErrorBody>(410, 'The task has been deleted')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class TasksController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Every task of the project, oldest first. */
  @Get()
  @Extension('x-original-api', true)
  public async listTasks(@Path() project_id: string, @Request() request: ExpressRequest): Promise<TaskResponse[]> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    return this.responses(request, project_id, await listProjectTasks(this.services, project_id), this.services.clock.now());
  }

  /**
   * The project's tasks a page at a time, in the order of GET …/tasks (oldest first, then by id), by
   * keyset: no task that exists all along is repeated or skipped while tasks are created between pages
   * (new ones come on later pages). GET …/tasks itself stays the original API's whole, unpaged list.
   * @param limit 1 to 500, default 50.
   * @param cursor `next_cursor` of the previous page (of this project).
   */
  @Get('page')
  public async listTasksPage(@Path() project_id: string, @Request() request: ExpressRequest, @Query() limit?: number, @Query() cursor?: string): Promise<TaskPage> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const page = await projectTasksPage(this.services, project_id, { limit: intInRange('limit', limit, TASK_PAGE_LIMIT), cursor: cursor || undefined });
    return { items: await this.responses(request, project_id, page.items, this.services.clock.now()), next_cursor: page.nextCursor ?? null };
  }

  /** Creates a task; its name must be unique in the project (409), its schedule valid (400 with details). */
  @Post()
  @Extension('x-original-api', true)
  @SuccessResponse(201, 'Created')
  @Response<ErrorBody>(409, 'Name taken in this project (case-insensitively)')
  @Response<ErrorBody>(413, 'Body larger than the limit')
  public async createTask(@Path() project_id: string, @Body() body: CreateTaskBody, @Request() request: ExpressRequest): Promise<TaskResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    if (absentIfEmpty(body.project_id) !== null && body.project_id !== project_id) {
      throw new ValidationError('Invalid task', [`project_id: ${quoted(body.project_id)} is not the project of the path (${project_id}); leave it out`]);
    }
    const taskId = await createTask(this.services, commandContextOf(request), project_id, taskDraftFromBody(body), body.status);
    this.setStatus(201);
    return this.response(request, project_id, taskId);
  }

  /**
   * A task, with its `ETag` (the revision of its stream) for `If-Match`. With `as_of` (an ISO 8601
   * instant), its definition as it was then, folded from its event history (`last_execution` is then
   * null, and `state` is computed for that instant; no ETag).
   */
  @Get('{task_uuid}')
  public async getTask(
    @Path() project_id: string,
    @Path() task_uuid: string,
    @Request() request: ExpressRequest,
    @Query() as_of?: string,
  ): Promise<TaskResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const instant = optionalInstant('as_of', as_of);
    if (!instant) return this.response(request, project_id, task_uuid);
    const [response] = await this.responses(request, project_id, [await taskAsOf(this.services.events, project_id, task_uuid, instant)], instant);
    return response!;
  }

  /**
   * A full update: left-out optional fields are cleared. A body exactly as GET returned it is
   * accepted (read-only fields are ignored). With `If-Match` (the task's ETag) it applies only to the
   * task as it was then (else 412, nothing changed).
   */
  @Put('{task_uuid}')
  @Extension('x-original-api', true)
  @Response<ErrorBody>(409, 'Name taken, or the task is being deleted')
  @Response<ErrorBody>(413, 'Body larger than the limit')
  @Response<ErrorBody>(412, 'If-Match is not the current ETag: the task was changed since it was read')
  public async updateTask(
    @Path() project_id: string,
    @Path() task_uuid: string,
    @Body() body: UpdateTaskBody,
    @Request() request: ExpressRequest,
  ): Promise<TaskResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    await updateTask(this.services, commandContextOf(request), project_id, task_uuid, taskDraftFromBody(body), body.status, ifMatchOf(request));
    return this.response(request, project_id, task_uuid);
  }

  /** ACTIVE or DISABLED; with `If-Match`, only while the task is at that ETag (else 412). */
  @Patch('{task_uuid}/status')
  @Extension('x-original-api', true)
  @Response<ErrorBody>(409, 'The task is being deleted')
  @Response<ErrorBody>(413, 'Body larger than the limit')
  @Response<ErrorBody>(412, 'If-Match is not the current ETag')
  public async changeTaskStatus(
    @Path() project_id: string,
    @Path() task_uuid: string,
    @Body() body: TaskStatusBody,
    @Request() request: ExpressRequest,
  ): Promise<TaskResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const command = { type: 'ChangeTaskStatus', projectId: project_id, status: body.status, at: this.services.clock.now().toISOString() } as const;
    await executeCommand(this.services, taskStream(task_uuid), taskDecider, command, commandContextOf(request), { ifMatch: ifMatchOf(request) });
    return this.response(request, project_id, task_uuid);
  }

  /**
   * Starts the task's deletion: 202 PENDING_DELETE. A task that does not exist (any more) answers 200
   * ALREADY_DELETED, as in the original API.
   */
  @Delete('{task_uuid}')
  @Extension('x-original-api', true)
  @SuccessResponse(202, 'Deletion started (PENDING_DELETE)')
  @Response<TaskDeletionResponse>(200, 'The task does not exist or was already deleted (ALREADY_DELETED)')
  @Response<ErrorBody>(409, 'A concurrent change; try again')
  public async deleteTask(@Path() project_id: string, @Path() task_uuid: string, @Request() request: ExpressRequest): Promise<TaskDeletionResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const status = await requestTaskDeletion(this.services, commandContextOf(request), project_id, task_uuid);
    this.setStatus(status === 'PENDING_DELETE' ? 202 : 200);
    const message = status === 'PENDING_DELETE' ? 'Task deletion has been started' : 'The task does not exist or has already been deleted';
    return { status, task_uuid, message };
  }

  private async response(request: ExpressRequest, projectId: string, taskId: string): Promise<TaskResponse> {
    const task = await findTask(this.services, projectId, taskId);
    setETag(this, task);
    const [response] = await this.responses(request, projectId, [task], this.services.clock.now());
    return response!;
  }

  private async responses(request: ExpressRequest, projectId: string, tasks: TaskDoc[], now: Date): Promise<TaskResponse[]> {
    const pingUrlBase = await pingUrlBaseFor(this.services, request, projectId);
    return (await withRunStates(this.services, tasks, now)).map(({ task, state }) => toTaskResponse(task, state, pingUrlBase));
  }
}
