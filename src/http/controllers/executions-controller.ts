import { Body, Controller, Extension, Get, Patch, Path, Post, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import type { ProjectPermission } from '../../auth/principal';
import { appendExecutionLogs } from '../../commands/flows/append-execution-logs';
import { executionRefs } from '../../commands/flows/execution-refs';
import { beforeHiddenAccess, requireHiddenAccess } from '../require-hidden-access';
import { loadKnownExecution } from '../../commands/flows/load-execution';
import type { CommandContext } from '../../commands/command-context';
import type { ExecutionCommand, ReportExecutionStatus } from '../../commands/execution/execution-commands';
import { executionDecider } from '../../commands/execution/execution-decider';
import type { Execution } from '../../commands/execution/execution-state';
import { reportOutcome } from '../../commands/execution/report-outcome';
import { executeCommand } from '../../commands/execute-command';
import type { KnownAggregate } from '../../commands/handle-command';
import type { ExecutionStatus } from '../../events/execution-events';
import { executionStream } from '../../events/streams';
import { EMBEDDED_LOG_LINES } from '../../queries/executions-of-day';
import { findExecution } from '../../queries/find-execution';
import { awaitLoggedLines } from '../../queries/logged-lines';
import { lastLogLines, type LogOrder, logLinesPage } from '../../queries/log-lines';
import type { ErrorBody } from '../error-mapping';
import { intInRange } from '../query-params';
import { commandContextOf } from '../request-context';
import { type ExecutionResponse, type LogLineResponse, toExecutionResponse, toLogLineResponse } from '../shapes/execution-shape';
import { type FinishReportBody, type LogBatchBody, type LogLineBody, metricsFromBody, type StatusReportBody } from '../shapes/execution-report-input';
import { idInMessage } from '../../errors/ids';

export interface MessageResponse {
  message: string;
}

export interface StatusReportResponse {
  message: string;
  /** The execution's status after the report (the system's outcome when it had already ended it). */
  status: ExecutionStatus;
}

export interface LogLinesResponse {
  data: LogLineResponse[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
  /** Lines received so far. */
  logs_count: number;
}

/**
 * Executions by id: what executors report (logs, status, finish; authenticated by the project's API
 * key, raw in `Authorization` as the original SDK sends it, or as a Bearer token), and what members
 * read and do (detail, paged logs, cancel). To anyone outside the execution's project (a user who is
 * not a member, a key of another project) it does not exist: 404, live, purged or unknown alike.
 */
@Route('executions/{execution_uuid}')
@Tags('Executions')
@Security('apiKey')
@Security('user')
@Response<ErrorBody>(400, 'Invalid input, with details')
@Response<ErrorBody>(401, 'Missing, unknown or revoked key or session')
@Response<ErrorBody>(403, 'A role or scope not allowed')
@Response<ErrorBody>(404, 'Unknown execution, or purged (deleted with its task, or by retention), or not of your project')
@Response<ErrorBody>(410, 'Purged while its project was reporting to it (only to that project)')
@Response<ErrorBody>(503, 'A store is unavailable; try again')
export class ExecutionsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Appends log lines: one `{message, level}` as in the original API, or a batch `{lines: [...]}`. */
  @Post('logs')
  @Extension('x-original-api', true)
  @Response<ErrorBody>(413, 'Too many or too long lines in the request, or too much log for the execution')
  public async appendLogs(
    @Path() execution_uuid: string,
    @Body() body: LogLineBody | LogBatchBody,
    @Request() request: ExpressRequest,
  ): Promise<MessageResponse> {
    const ref = await beforeHiddenAccess(`Execution ${idInMessage(execution_uuid)}`, () => executionRefs(this.services.events).get(execution_uuid));
    await this.requireAccess(request, execution_uuid, ref.projectId, 'report');
    await appendExecutionLogs(this.services, commandContextOf(request), ref, body);
    return { message: 'Log appended successfully' };
  }

  /**
   * The original API's status report. A repeat of the current status changes nothing; a report after
   * the system ended the execution (timed out, missed, cancelled) is kept for the audit trail and
   * answered with the current status; a report contradicting the executor's own earlier one is 409.
   */
  @Patch('status')
  @Extension('x-original-api', true)
  @Response<ErrorBody>(409, "Contradicts the executor's own earlier report")
  @Response<ErrorBody>(413, 'Body larger than the limit')
  public async reportStatus(
    @Path() execution_uuid: string,
    @Body() body: StatusReportBody,
    @Request() request: ExpressRequest,
  ): Promise<StatusReportResponse> {
    const status = await this.report(request, execution_uuid, {
      status: body.status,
      error: body.error ?? null,
      route: 'compat',
      ...attemptOf(body),
    });
    return { message: 'Execution status updated successfully', status };
  }

  /**
   * Ends the run with SUCCESS or FAILED and what the executor measured. Unlike PATCH …/status, a report
   * after the system ended the execution is refused with 409.
   */
  @Post('finish')
  @Response<ErrorBody>(409, 'Contradicts an earlier report, or the system already ended the execution')
  public async finish(
    @Path() execution_uuid: string,
    @Body() body: FinishReportBody,
    @Request() request: ExpressRequest,
  ): Promise<StatusReportResponse> {
    const status = await this.report(request, execution_uuid, {
      status: body.status,
      error: body.error ?? null,
      exitCode: body.exit_code ?? null,
      durationMs: body.duration_ms ?? null,
      metrics: metricsFromBody(body.metrics),
      route: 'v1',
      ...attemptOf(body),
    });
    return { message: 'Execution finished', status };
  }

  /** Ends a QUEUED, PENDING or RUNNING execution as CANCELLED (editors, `write` keys). */
  @Post('cancel')
  @Response<ErrorBody>(409, 'Already ended')
  public async cancel(@Path() execution_uuid: string, @Request() request: ExpressRequest): Promise<ExecutionResponse> {
    const known = await this.authorized(request, execution_uuid, 'edit');
    const context = commandContextOf(request);
    await this.run(execution_uuid, { type: 'CancelExecution', by: context.actor, at: this.services.clock.now().toISOString() }, context, known);
    return this.getExecution(execution_uuid, request);
  }

  /** The execution, with at most its last 100 log lines. */
  @Get()
  public async getExecution(@Path() execution_uuid: string, @Request() request: ExpressRequest): Promise<ExecutionResponse> {
    await awaitLoggedLines(this.services, execution_uuid);
    const execution = await findExecution(this.services, execution_uuid);
    await this.requireAccess(request, execution_uuid, execution.projectId, 'read');
    return toExecutionResponse(execution, await lastLogLines(this.services, execution_uuid, EMBEDDED_LOG_LINES));
  }

  /**
   * The log, a page at a time: from the first line (`order=asc`, the default) or from the last
   * (`order=desc`).
   * @param limit 1 to 1000, default 100.
   */
  @Get('logs')
  public async getLogs(
    @Path() execution_uuid: string,
    @Request() request: ExpressRequest,
    @Query() cursor?: string,
    @Query() limit?: number,
    @Query() order?: LogOrder,
  ): Promise<LogLinesResponse> {
    await awaitLoggedLines(this.services, execution_uuid);
    const execution = await findExecution(this.services, execution_uuid);
    await this.requireAccess(request, execution_uuid, execution.projectId, 'read');
    const page = await logLinesPage(this.services, execution_uuid, {
      order: order ?? 'asc',
      limit: intInRange('limit', limit, { min: 1, max: 1000, fallback: 100 }),
      cursor: cursor || undefined,
    });
    return { data: page.lines.map(toLogLineResponse), next_cursor: page.nextCursor ?? null, logs_count: execution.logsCount };
  }

  /** An executor's report, decided by the execution decider; answers the status after it. */
  private async report(
    request: ExpressRequest,
    executionId: string,
    report: Omit<ReportExecutionStatus, 'type' | 'projectId' | 'at'>,
  ): Promise<ExecutionStatus> {
    const known = await this.authorized(request, executionId, 'report');
    const at = this.services.clock.now().toISOString();
    const command = { type: 'ReportExecutionStatus', projectId: known.state.ref.projectId, ...report, at } as const;
    // Like any command, a status report answers once the read models show it (stats, history, claims).
    const outcome = await this.run(executionId, command, commandContextOf(request), known);
    return reportOutcome(outcome).status;
  }

  /** Runs a command on the execution as it was read for the access check: only later events are read again. */
  private run(executionId: string, command: ExecutionCommand, context: CommandContext, known: KnownAggregate<Execution>) {
    return executeCommand(this.services, executionStream(executionId), executionDecider, command, context, { known });
  }

  /** The execution from its stream (reports may arrive before the read models have it), after the access check. */
  private async authorized(request: ExpressRequest, executionId: string, permission: ProjectPermission): Promise<KnownAggregate<Execution>> {
    const known = await beforeHiddenAccess(`Execution ${idInMessage(executionId)}`, () => loadKnownExecution(this.services.events, executionId));
    await this.requireAccess(request, executionId, known.state.ref.projectId, permission);
    return known;
  }

  /**
   * The access check for a route addressed by execution id alone: to a user who is not a member, the
   * execution does not exist (the answer must not name the project it belongs to).
   */
  private requireAccess(request: ExpressRequest, executionId: string, projectId: string, permission: ProjectPermission): Promise<void> {
    return requireHiddenAccess(this.services, request, projectId, permission, `Execution ${idInMessage(executionId)}`);
  }
}

/** The attempt a report names, when it names one. */
function attemptOf(body: { attempt?: number | null }): { attempt?: number } {
  return typeof body.attempt === 'number' ? { attempt: body.attempt } : {};
}
