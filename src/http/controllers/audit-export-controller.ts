import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Path, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { auditExport, EXPORT_CONTENT_TYPES, EXPORT_FORMATS } from '../../audit/audit-export';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { oneOf, optionalWindow } from '../query-params';

/**
 * The project's audit export (README, "Audit export"): project admins and super admins only, never a
 * key. It carries the events exactly as stored, unmasked: their hashes cover those bytes, and an
 * auditor checks them offline.
 */
@Route('projects/{project_id}/audit/export')
@Tags('Audit')
@Security('user')
@Response<ErrorBody>(400, 'Invalid from, to or format')
@Response<ErrorBody>(403, 'Not a project admin')
@Response<ErrorBody>(404, 'Unknown project, or not a member')
export class AuditExportController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * Every event of the project's streams (the project, its tasks, groups, executions and their logs,
   * alerts, deletions) that occurred in [from, to), oldest first, with actor, correlation, causation,
   * occurredAt, schema version as stored, and its hash-chain link, streamed. `ndjson` (default): one
   * export line per event; `csv`: RFC 4180, a header row, data and metadata as canonical JSON.
   * @param from ISO 8601 instant: events that occurred at or after it.
   * @param to ISO 8601 instant: events that occurred before it.
   * @param format `ndjson` (default) or `csv`.
   */
  @Get()
  @SuccessResponse(200, 'The export, streamed', ['application/x-ndjson', 'text/csv'])
  public async exportAudit(
    @Path() project_id: string,
    @Request() request: ExpressRequest,
    @Query() from?: string,
    @Query() to?: string,
    @Query() format?: string,
  ): Promise<string> {
    const range = optionalWindow('from', from, 'to', to);
    const chosen = oneOf('format', format, EXPORT_FORMATS);
    await this.services.access.require(principalOf(request), project_id, 'admin');
    const response = request.res!;
    response.status(200);
    response.setHeader('Content-Type', EXPORT_CONTENT_TYPES[chosen]);
    response.setHeader('Content-Disposition', `attachment; filename="audit-${project_id.replace(/[^\w.-]/g, '_')}.${chosen}"`);
    try {
      // One page of events waits at a time: the next is read only once the client took the last one.
      const chunks = Readable.from(auditExport(this.services.events, { project: project_id, ...range }, chosen), { highWaterMark: 1 });
      await pipeline(chunks, response);
    } catch (err) {
      // A caller that went away has nothing to be answered; any other failure cuts the response (an
      // incomplete export: its last line lacks its newline) and is logged as the bug it is.
      if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    }
    return '';
  }
}
