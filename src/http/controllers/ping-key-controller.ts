import { Controller, Get, Path, Post, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { pingKeyOf, rotatePingKey } from '../../commands/flows/ping-key';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';

export interface PingKeyResponse {
  /** The key of the project's slug ping URLs; null until an admin makes one. */
  ping_key: string | null;
  /** `<PUBLIC_URL>/ping/<ping_key>/`: add a task's slug (its name, lowercased, spaces as `-`); null without a key. */
  ping_url_base: string | null;
}

/**
 * The project's ping key, for Healthchecks-style ping URLs by slug: `/ping/<ping_key>/<slug>`, with
 * `?create=1` to create the task on its first ping. Seen by those who may report (editors, admins,
 * `ingest` and `write` keys), since it lets its holder record runs of every task of the project.
 */
@Route('projects/{project_id}/ping-key')
@Tags('Projects')
@Response<ErrorBody>(401, 'Missing, unknown or revoked key or session')
@Response<ErrorBody>(404, 'Unknown project, or not a member')
export class PingKeyController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** The current ping key (null before the first). */
  @Get()
  @Security('apiKey')
  @Security('user')
  @Response<ErrorBody>(403, 'A viewer, or a read key')
  public async getPingKey(@Path() project_id: string, @Request() request: ExpressRequest): Promise<PingKeyResponse> {
    await this.services.access.require(principalOf(request), project_id, 'report');
    return this.answer(await pingKeyOf(this.services, project_id));
  }

  /** A new ping key (also the first); the previous one stops working at once. Project admins. */
  @Post('rotate')
  @Security('user')
  @Response<ErrorBody>(403, 'Not a project admin')
  public async rotatePingKey(@Path() project_id: string, @Request() request: ExpressRequest): Promise<PingKeyResponse> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    const { pingKey } = await rotatePingKey(this.services, commandContextOf(request), project_id);
    return this.answer(pingKey);
  }

  private answer(pingKey: string | null): PingKeyResponse {
    return { ping_key: pingKey, ping_url_base: pingKey === null ? null : `${this.services.config.publicUrl}/ping/${pingKey}/` };
  }
}
