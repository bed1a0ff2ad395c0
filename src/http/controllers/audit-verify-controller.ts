import { Controller, Get, Path, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import type { AppServices } from '../../app-services';
import { requireSuperAdmin } from '../../auth/require-user';
import { type ChainReport, describeChainReport, type VerifyChainOptions } from '../../stores/events/event-chain';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';

/** At most this often a progress line is written while the walk goes on. */
const PROGRESS_EVERY_MS = 250;

/**
 * The hash-chain check of `npm run audit -- verify` (README, "Tamper evidence"), through the API, so
 * that `cron-observer audit verify` can run it from anywhere. The answer is NDJSON, streamed while the
 * store is walked: `{"progress":{"checked","total"}}` lines, then one `{"report":{…}}` line. A broken
 * link is a finding, not an error: the answer is 200 either way and the report names it.
 */
@Route('')
@Tags('Audit')
@Security('user')
export class AuditVerifyController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Checks every event of the project's streams (project admins and super admins). */
  @Get('projects/{project_id}/audit/verify')
  @SuccessResponse(200, 'Progress lines, then the report', 'application/x-ndjson')
  @Response<ErrorBody>(403, 'Not a project admin')
  @Response<ErrorBody>(404, 'Unknown project, or not a member')
  public async verifyProjectChain(@Path() project_id: string, @Request() request: ExpressRequest): Promise<string> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    await streamVerification(this.services, request.res!, { project: project_id });
    return '';
  }

  /** Checks every event of the store, users and all (super admins). */
  @Get('admin/audit/verify')
  @SuccessResponse(200, 'Progress lines, then the report', 'application/x-ndjson')
  @Response<ErrorBody>(403, 'Not a super admin')
  public async verifyStoreChain(@Request() request: ExpressRequest): Promise<string> {
    requireSuperAdmin(principalOf(request), 'verify the whole store');
    await streamVerification(this.services, request.res!, {});
    return '';
  }
}

/** The report as the API answers it: the store's own words for it beside the counts. */
export interface ChainReportLine {
  report: ChainReport & { message: string };
}

async function streamVerification(services: AppServices, response: ExpressResponse, options: Pick<VerifyChainOptions, 'project'>): Promise<void> {
  response.status(200);
  response.setHeader('Content-Type', 'application/x-ndjson');
  response.setHeader('Cache-Control', 'no-store');
  let last = 0;
  const onProgress = (checked: number, total: number | null) => {
    if (Date.now() - last < PROGRESS_EVERY_MS || response.writableEnded) return;
    last = Date.now();
    response.write(`${JSON.stringify({ progress: { checked, total } })}\n`);
  };
  const report = await services.events.verifyChain({ ...options, onProgress });
  const line: ChainReportLine = { report: { ...report, message: describeChainReport(report) } };
  response.end(`${JSON.stringify(line)}\n`);
}
