import { Controller, Get, Produces, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { ForbiddenError } from '../../errors/app-error';
import { membershipsOf } from '../../queries/memberships';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { readSideOf } from '../read-side';

/**
 * Prometheus metrics of this server instance. They carry no project labels (installation-wide counts,
 * projection lag, scheduler lateness), so any project's `read` or `write` key, any user who is a member
 * of at least one project, and super admins may read them; `ingest` keys may not (an executor's key
 * should not read anything).
 */
@Route('metrics')
@Tags('Health')
@Security('user')
@Security('apiKey')
@Response<ErrorBody>(401, 'Missing or bad credentials')
@Response<ErrorBody>(403, 'An ingest key, or a user who is in no project')
export class MetricsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * The Prometheus text exposition (`text/plain; version=0.0.4`): reports ingested, projection lag,
   * scheduler lateness, dispatch and alert events, live streams, process metrics.
   */
  @Get()
  @Produces('text/plain')
  public async getMetrics(@Request() request: ExpressRequest): Promise<string> {
    const principal = principalOf(request);
    if (principal.kind === 'apiKey') {
      if (principal.scope === 'ingest') throw new ForbiddenError('An ingest key may not read metrics; use a read key');
    } else if (!principal.superAdmin && (await membershipsOf(this.services, principal.email)).length === 0) {
      throw new ForbiddenError('Metrics are for super admins, project members and read keys');
    }
    const metrics = readSideOf(this.services).metrics;
    const text = await metrics.render();
    // Sent here as text: tsoa would send a returned string as JSON. It leaves a sent response alone.
    request.res!.status(200).type(metrics.contentType).send(text);
    return text;
  }
}
