import { Body, Controller, Path, Post, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { claimExecutions } from '../../commands/flows/claim-executions';
import { ValidationError } from '../../errors/app-error';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { actorOf, commandContextOf } from '../request-context';

/** What a pull-mode worker asks for. Every field is optional. */
export interface ClaimBody {
  /**
   * How many executions to claim at most (default 1).
   * @isInt
   * @minimum 1
   * @maximum 100
   */
  limit?: number;
  /**
   * With nothing to claim, wait up to this long for work before answering an empty list (default 0).
   * @isInt
   * @minimum 0
   * @maximum 30
   */
  wait_seconds?: number;
  /**
   * Claim only executions of these tasks (exact names).
   * @maxItems 100
   */
  task_names?: string[];
  /**
   * The worker's name, recorded as the claimer (default: the API key or user id). Give each worker its
   * own name when several share a key.
   * @minLength 1
   * @maxLength 200
   */
  worker_id?: string;
}

export interface ClaimedExecutionResponse {
  execution_id: string;
  task_id: string;
  task_name: string;
  scheduled_at: string;
  attempt: number;
  /** The task's metadata. */
  metadata: Record<string, unknown> | null;
  /** Report RUNNING (PATCH /executions/{id}/status) before this, or another worker may claim the execution. */
  claim_expires_at: string;
}

export interface ClaimResponse {
  /** Oldest first; empty when there was nothing to claim within `wait_seconds`. */
  executions: ClaimedExecutionResponse[];
}

/** Pull mode: workers that cannot be reached claim their executions. */
@Route('projects/{project_id}/executions')
@Tags('Executions')
@Security('apiKey')
@Security('user')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Missing, unknown or revoked key or session')
@Response<ErrorBody>(403, 'A key or role without the report permission')
@Response<ErrorBody>(404, 'Unknown project, or not a member')
export class ClaimsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * Long-poll for work: claims up to `limit` PENDING executions of the project's pull-mode tasks, oldest
   * first, and answers as soon as it has at least one; with none, waits up to `wait_seconds` (woken at
   * once by a new execution). A claimed execution goes RUNNING and is handed to nobody else, unless its
   * claimer neither reports RUNNING nor ends it (nor posts a log line) within the lease (5 minutes,
   * `claim_expires_at`): then the claim lapses and another worker may claim it. Any key of the project
   * (ingest, write) or an editor.
   */
  @Post('claim')
  public async claim(@Path() project_id: string, @Body() body: ClaimBody, @Request() request: ExpressRequest): Promise<ClaimResponse> {
    const principal = principalOf(request);
    await this.services.access.require(principal, project_id, 'report');
    const taskNames = body.task_names ?? null;
    if (taskNames?.some((name) => typeof name !== 'string' || name.trim() === '')) {
      throw new ValidationError('Invalid task_names', ['task_names: every name must be a non-empty string']);
    }
    const claimed = await claimExecutions(this.services, commandContextOf(request), project_id, {
      limit: body.limit ?? 1,
      waitSeconds: body.wait_seconds ?? 0,
      taskNames,
      claimedBy: body.worker_id ?? actorOf(principal),
    });
    return {
      executions: claimed.map((execution) => ({
        execution_id: execution.executionId,
        task_id: execution.taskId,
        task_name: execution.taskName,
        scheduled_at: execution.scheduledAt,
        attempt: execution.attempt,
        metadata: execution.metadata,
        claim_expires_at: execution.claimExpiresAt,
      })),
    };
  }
}
