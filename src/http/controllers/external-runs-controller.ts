import { Controller, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { type StartedRun, startExternalRun, type TaskRef } from '../../commands/flows/start-external-run';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';

export interface RunStartedResponse {
  /** Report logs and the end (`POST /executions/{id}/finish` or `PATCH …/status`) to this execution. */
  execution_id: string;
  /** True: the run took over the pending execution of the scheduled tick; false: a new EXTERNAL execution. */
  matched: boolean;
  /** The tick's instant when matched, else the time of the request. */
  scheduled_at: string;
}

/**
 * External mode: an executor running on its own clock (crontab, CI) starts a run, by task id or by task
 * name (the name in the path, URL-encoded). No body. For a task in `external` mode the run is matched to
 * the latest PENDING scheduled execution within ± the task's start deadline (else ± 5 minutes) of now,
 * which goes RUNNING (200, `matched: true`); otherwise a new execution with trigger type EXTERNAL is
 * created and started (201, `matched: false`). Any key of the project (ingest, write) or an editor.
 */
@Route('projects/{project_id}/tasks')
@Tags('Executions')
@Security('apiKey')
@Security('user')
@Response<ErrorBody>(401, 'Missing, unknown or revoked key or session')
@Response<ErrorBody>(403, 'A key or role without the report permission')
@Response<ErrorBody>(404, 'Unknown project (or not a member) or task')
@Response<ErrorBody>(409, 'The task is being deleted')
export class ExternalRunsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Starts a run of the task (by id). */
  @Post('{task_uuid}/runs')
  @SuccessResponse(201, 'A new EXTERNAL execution was created and started')
  @Response<RunStartedResponse>(200, "Matched to the scheduled tick's pending execution, now RUNNING")
  public async startRun(@Path() project_id: string, @Path() task_uuid: string, @Request() request: ExpressRequest): Promise<RunStartedResponse> {
    return this.start(request, project_id, { taskId: task_uuid });
  }

  /** Starts a run of the task with this name (exact, compared case-insensitively as task names are). */
  @Post('by-name/{task_name}/runs')
  @SuccessResponse(201, 'A new EXTERNAL execution was created and started')
  @Response<RunStartedResponse>(200, "Matched to the scheduled tick's pending execution, now RUNNING")
  public async startRunByName(@Path() project_id: string, @Path() task_name: string, @Request() request: ExpressRequest): Promise<RunStartedResponse> {
    return this.start(request, project_id, { taskName: task_name });
  }

  private async start(request: ExpressRequest, projectId: string, task: TaskRef): Promise<RunStartedResponse> {
    await this.services.access.require(principalOf(request), projectId, 'report');
    const run: StartedRun = await startExternalRun(this.services, commandContextOf(request), projectId, task);
    this.setStatus(run.matched ? 200 : 201);
    return { execution_id: run.executionId, matched: run.matched, scheduled_at: run.scheduledAt };
  }
}
