import { Controller, Get, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { requireSuperAdmin } from '../../auth/require-user';
import { listQuarantined } from '../../quarantine/quarantine-store';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';

export interface QuarantinedEventResponse {
  id: string;
  /** The projection or process manager that could not apply the event. */
  consumer: string;
  kind: 'projection' | 'process-manager';
  /** The projection's generation; null for a process manager. */
  generation: number | null;
  stream: string;
  revision: number;
  /** Position in `$all`, as a decimal string. */
  position: string;
  type: string;
  error: string;
  quarantined_at: string;
  /** Whom the super admins' alert was mailed to, or why not; null while it is being sent. */
  alert: string | null;
}

export interface QuarantineResponse {
  events: QuarantinedEventResponse[];
}

/**
 * Events a projection or process manager could not apply and set aside so as to go on with the others.
 * `npm run projections -- retry-quarantined [name]` applies them again after a fix.
 */
@Route('admin/quarantine')
@Tags('Admin')
@Security('user')
@Response<ErrorBody>(403, 'Not a super admin')
export class QuarantineController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Every quarantined event, oldest first. */
  @Get()
  public async listQuarantined(@Request() request: ExpressRequest): Promise<QuarantineResponse> {
    requireSuperAdmin(principalOf(request), 'see quarantined events');
    const records = await listQuarantined(this.services.reads);
    return {
      events: records.map((r) => ({
        id: r.id,
        consumer: r.consumer,
        kind: r.kind,
        generation: r.generation,
        stream: r.stream,
        revision: r.revision,
        position: String(r.position),
        type: r.type,
        error: r.error,
        quarantined_at: r.quarantinedAt,
        alert: r.alert,
      })),
    };
  }
}
