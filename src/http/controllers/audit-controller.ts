import { Controller, Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { executionStream, projectStream, taskGroupStream, taskStream } from '../../events/streams';
import { auditTrail, projectOfStream } from '../../queries/audit-trail';
import { principalOf } from '../authentication';
import { deliveryDetailsFor } from '../delivery-details';
import { beforeHiddenAccess, requireHiddenAccess } from '../require-hidden-access';
import type { ErrorBody } from '../error-mapping';
import { intInRange, optionalInstant, revisionCursor } from '../query-params';
import { type AuditPageResponse, toAuditPageResponse } from '../shapes/audit-shape';
import { idInMessage } from '../../errors/ids';

/**
 * The event history of one aggregate, read from its own stream, oldest first: every change and every
 * report with its actor, time, correlation and causation. Paged by revision (`cursor`, `limit` 1 to
 * 1000, default 100); tasks and groups also take `as_of` (an ISO 8601 instant): the history as it
 * was then. A purged aggregate's history answers 404, as an unknown one does (its stream no longer
 * says which project it was in).
 */
@Route('')
@Tags('Audit')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid cursor or limit')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown or purged aggregate, not a member, or a key of another project')
export class AuditController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** The project's own history: settings, members, keys (secrets redacted). */
  @Get('projects/{project_id}/audit')
  public async projectAudit(
    @Path() project_id: string,
    @Request() request: ExpressRequest,
    @Query() cursor?: string,
    @Query() limit?: number,
  ): Promise<AuditPageResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    return this.page(request, project_id, projectStream(project_id), `Project ${idInMessage(project_id)}`, cursor, limit);
  }

  @Get('tasks/{task_uuid}/audit')
  public async taskAudit(
    @Path() task_uuid: string,
    @Request() request: ExpressRequest,
    @Query() cursor?: string,
    @Query() limit?: number,
    @Query() as_of?: string,
  ): Promise<AuditPageResponse> {
    return this.aggregatePage(request, taskStream(task_uuid), `Task ${idInMessage(task_uuid)}`, cursor, limit, as_of);
  }

  /** The group's definition changes, manual starts and stops, and its deletion. */
  @Get('task-groups/{group_uuid}/audit')
  public async taskGroupAudit(
    @Path() group_uuid: string,
    @Request() request: ExpressRequest,
    @Query() cursor?: string,
    @Query() limit?: number,
    @Query() as_of?: string,
  ): Promise<AuditPageResponse> {
    return this.aggregatePage(request, taskGroupStream(group_uuid), `Task group ${idInMessage(group_uuid)}`, cursor, limit, as_of);
  }

  /** Status changes and late reports; log lines are paged at GET /executions/{execution_uuid}/logs. */
  @Get('executions/{execution_uuid}/audit')
  public async executionAudit(
    @Path() execution_uuid: string,
    @Request() request: ExpressRequest,
    @Query() cursor?: string,
    @Query() limit?: number,
  ): Promise<AuditPageResponse> {
    return this.aggregatePage(request, executionStream(execution_uuid), `Execution ${idInMessage(execution_uuid)}`, cursor, limit);
  }

  /** For routes addressed by aggregate id alone: the aggregate's project decides who may read it. */
  private async aggregatePage(request: ExpressRequest, stream: string, label: string, cursor?: string, limit?: number, asOf?: string): Promise<AuditPageResponse> {
    const projectId = await beforeHiddenAccess(label, () => projectOfStream(this.services.events, stream, label));
    await requireHiddenAccess(this.services, request, projectId, 'read', label);
    return this.page(request, projectId, stream, label, cursor, limit, asOf);
  }

  /** Dispatch outcomes on an execution's stream show their details to callers who may edit (delivery-details.ts). */
  private async page(
    request: ExpressRequest,
    projectId: string,
    stream: string,
    label: string,
    cursor?: string,
    limit?: number,
    asOf?: string,
  ): Promise<AuditPageResponse> {
    const from = revisionCursor('cursor', cursor);
    const size = intInRange('limit', limit, { min: 1, max: 1000, fallback: 100 });
    const instant = optionalInstant('as_of', asOf);
    const page = await auditTrail(this.services.events, stream, label, from, size, instant);
    return toAuditPageResponse(page, await deliveryDetailsFor(this.services, request, projectId, page));
  }
}
