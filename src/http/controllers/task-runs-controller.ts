import { Controller, Extension, Get, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { triggerTask } from '../../commands/flows/trigger-task';
import { executionsOfDay } from '../../queries/executions-of-day';
import { findTask } from '../../queries/find-task';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { compatPage, compatPageSize, requiredDay } from '../query-params';
import { commandContextOf } from '../request-context';
import { type ExecutionResponse, toExecutionResponse } from '../shapes/execution-shape';

export interface TriggerResponse {
  data: {
    execution_uuid: string;
    task_uuid: string;
    status: 'PENDING';
    trigger_type: 'MANUAL';
    scheduled_at: string;
    message: string;
  };
}

export interface ExecutionsPage {
  data: ExecutionResponse[];
  page: number;
  page_size: number;
  total_count: number;
  /** At least 1, even for an empty day. */
  total_pages: number;
}

/** The original API's page size limit. */
const MAX_PAGE_SIZE = 100;

/** Running a task by hand, and its execution history (COMPAT.md). */
@Route('projects/{project_id}/tasks/{task_uuid}')
@Tags('Executions')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Missing or bad credentials')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or task')
@Response<ErrorBody>(410, 'The task has been deleted')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class TaskRunsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Creates a MANUAL execution scheduled for now; the executor is told as for a scheduled tick. */
  @Post('trigger')
  @Extension('x-original-api', true)
  @SuccessResponse(201, 'Created')
  @Response<ErrorBody>(409, 'The task is being deleted, or its overlap policy is forbid and a run of it is open')
  public async triggerTask(@Path() project_id: string, @Path() task_uuid: string, @Request() request: ExpressRequest): Promise<TriggerResponse> {
    await this.services.access.require(principalOf(request), project_id, 'edit');
    const { executionId, scheduledAt } = await triggerTask(this.services, commandContextOf(request), project_id, task_uuid);
    this.setStatus(201);
    return {
      data: {
        execution_uuid: executionId,
        task_uuid,
        status: 'PENDING',
        trigger_type: 'MANUAL',
        scheduled_at: scheduledAt,
        message: 'Task triggered successfully',
      },
    };
  }

  /**
   * The task's executions created on one UTC day, newest first, each with at most its last 100 log
   * lines (`logs_truncated` when there are more). A page past the end has empty `data`.
   * @param date The UTC day, YYYY-MM-DD (required).
   * @param page From 1; below 1 or not a number means page 1.
   * @param page_size 1 to 100 (a larger or smaller number is clamped); 100 when absent or not a number.
   */
  @Get('executions')
  @Extension('x-original-api', true)
  public async listExecutions(
    @Path() project_id: string,
    @Path() task_uuid: string,
    @Request() request: ExpressRequest,
    @Query() date?: string,
    @Query() page?: string,
    @Query() page_size?: string,
  ): Promise<ExecutionsPage> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const day = requiredDay('date', date);
    const pageNumber = compatPage(page);
    const size = compatPageSize(page_size, MAX_PAGE_SIZE);
    await findTask(this.services, project_id, task_uuid);
    const { items, total } = await executionsOfDay(this.services, task_uuid, day, pageNumber, size);
    return {
      data: items.map(({ execution, logTail }) => toExecutionResponse(execution, logTail)),
      page: pageNumber,
      page_size: size,
      total_count: total,
      total_pages: Math.max(1, Math.ceil(total / size)),
    };
  }
}
