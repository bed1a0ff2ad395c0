import { Controller, Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { NotFoundError } from '../../errors/app-error';
import { alertsStream } from '../../events/alert-events';
import { taskStream } from '../../events/streams';
import { auditTrail, projectOfStream } from '../../queries/audit-trail';
import { deliveryDetailsFor } from '../delivery-details';
import { beforeHiddenAccess, requireHiddenAccess } from '../require-hidden-access';
import type { ErrorBody } from '../error-mapping';
import { intInRange, revisionCursor } from '../query-params';
import { type AuditPageResponse, toAuditPageResponse } from '../shapes/audit-shape';
import { idInMessage } from '../../errors/ids';

/**
 * A task's alerts, oldest first, as the alerts manager recorded them in `alerts-<task_uuid>`: incidents
 * opened and resolved, each alert's intent per channel (email, webhook) and its outcome (sent, failed
 * with the next retry time, or not sent: "no mail server", "no recipients"). Paged like the audit routes.
 * Each outcome carries its class (`outcome`); the error text and server response only for callers who may edit.
 */
@Route('')
@Tags('Audit')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(400, 'Invalid cursor or limit')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown or purged task, not a member, or a key of another project')
export class AlertsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  @Get('tasks/{task_uuid}/alerts')
  public async taskAlerts(
    @Path() task_uuid: string,
    @Request() request: ExpressRequest,
    @Query() cursor?: string,
    @Query() limit?: number,
  ): Promise<AuditPageResponse> {
    const label = `Task ${idInMessage(task_uuid)}`;
    const projectId = await beforeHiddenAccess(label, () => projectOfStream(this.services.events, taskStream(task_uuid), label));
    await requireHiddenAccess(this.services, request, projectId, 'read', label);
    const from = revisionCursor('cursor', cursor);
    const size = intInRange('limit', limit, { min: 1, max: 1000, fallback: 100 });
    try {
      const page = await auditTrail(this.services.events, alertsStream(task_uuid), `Alerts of task ${idInMessage(task_uuid)}`, from, size);
      return toAuditPageResponse(page, await deliveryDetailsFor(this.services, request, projectId, page));
    } catch (err) {
      if (err instanceof NotFoundError) return { data: [], next_cursor: null }; // never alerted
      throw err;
    }
  }
}
