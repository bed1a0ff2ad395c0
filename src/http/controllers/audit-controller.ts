import { Controller, Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { executionStream, taskGroupStream, taskStream } from '../../events/streams';
import { auditTrail, projectOfStream } from '../../queries/audit-trail';
import { projectAuditPage } from '../../queries/project-audit';
import { principalOf } from '../authentication';
import { deliveryDetailsFor } from '../delivery-details';
import { beforeHiddenAccess, requireHiddenAccess } from '../require-hidden-access';
import type { ErrorBody } from '../error-mapping';
import { eventTypes, intInRange, oneOf, optionalInstant, optionalText, optionalWindow, revisionCursor } from '../query-params';
import { type AuditPageResponse, type ProjectAuditPageResponse, toAuditPageResponse, toProjectAuditPageResponse } from '../shapes/audit-shape';
import { idInMessage } from '../../errors/ids';

/**
 * The history of a project, and of one aggregate read from its own stream, oldest first: every change and every
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

  /**
   * The project's whole administrative history, from the audit read model: the project itself
   * (settings, members, API keys created and revoked, the signing secret; secret values redacted), its
   * tasks, groups, alerts, task deletions and retention runs; not executions (each has its own route).
   * Oldest first unless `order=desc`, paged by an opaque `cursor` (`limit` 1 to 1000, default 100).
   * Filters: `from` (inclusive) and `to` (exclusive), ISO 8601 instants of when the events occurred;
   * `actor` (a user id, an API key id or `system:<manager>`); `type`, one event type or several
   * separated by commas.
   */
  @Get('projects/{project_id}/audit')
  public async projectAudit(
    @Path() project_id: string,
    @Request() request: ExpressRequest,
    @Query() cursor?: string,
    @Query() limit?: number,
    @Query() from?: string,
    @Query() to?: string,
    @Query() actor?: string,
    @Query() type?: string,
    @Query() order?: string,
  ): Promise<ProjectAuditPageResponse> {
    await this.services.access.require(principalOf(request), project_id, 'read');
    const query = {
      ...optionalWindow('from', from, 'to', to),
      actor: optionalText('actor', actor, 200),
      types: eventTypes('type', type),
      order: oneOf('order', order, ['asc', 'desc'] as const),
      limit: intInRange('limit', limit, { min: 1, max: 1000, fallback: 100 }),
      cursor: cursor === '' ? undefined : cursor,
    };
    const page = await projectAuditPage(this.services, project_id, query);
    return toProjectAuditPageResponse(page, await deliveryDetailsFor(this.services, request, project_id, page));
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
