import { Controller, Get, Path, Post, Produces, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import type { Principal } from '../../auth/principal';
import { UnauthenticatedError } from '../../errors/app-error';
import { expressAuthentication, principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { readSideOf } from '../read-side';
import { STREAM_TOKEN_SECONDS, mintStreamToken, openStreamToken } from '../stream-token';

export interface StreamTokenResponse {
  /** Pass as `?token=` to GET /projects/{project_id}/events. Opaque. */
  token: string;
  /**
   * The token opens a stream until then (about 60 s), while the session or key it was issued to is
   * valid; an open stream is not cut when the token expires, only when that access ends.
   */
  expires_at: string;
}

/**
 * Live updates of a project as server-sent events. Browsers' EventSource sends no headers, so it
 * authenticates with the session cookie or with a short-lived token from POST …/events/token in
 * `?token=`; other clients may send `Authorization` (a session token, or an API key with `read` or
 * `write` scope) as elsewhere.
 */
@Route('projects/{project_id}/events')
@Tags('Live')
@Response<ErrorBody>(401, 'Missing, bad or expired credentials')
@Response<ErrorBody>(403, 'Role or key scope not allowed')
@Response<ErrorBody>(404, 'Unknown project (or not a member)')
export class LiveEventsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * The project's event stream (`text/event-stream`), kept open. Messages, each sent once the read
   * models have applied the change, with the event's `$all` position as `id`:
   * `ready` {project_id, position} first; `execution` {execution_id, task_id, project_id, type, status, at};
   * `stats` {project_id, task_id, execution_id, status, scheduled_at} when an execution is created or ends;
   * `task` {task_id, project_id, type, status}; `logs` {execution_id, task_id, project_id, lines}.
   * A `: ping` comment every 15 s. A client that does not keep up is disconnected (EventSource reconnects).
   * Within a second of the caller losing access (session ended by logout, password change or reset or a
   * disabled account; key revoked; membership removed) the stream ends with `revoked` {project_id, reason}.
   * Authentication: `token` (from POST …/events/token), the session cookie, or an `Authorization` header.
   * @param token A stream token from POST /projects/{project_id}/events/token.
   */
  @Get()
  @Produces('text/event-stream')
  @SuccessResponse(200, 'An event stream', 'text/event-stream')
  public async streamEvents(@Path() project_id: string, @Request() request: ExpressRequest, @Query() token?: string): Promise<string> {
    const readSide = readSideOf(this.services);
    // Known before the principal is checked: any revocation after the check moves it (live-stream-guard.ts).
    const revocation = await this.services.principals.latestRevocation();
    const principal = token ? await this.principalOfToken(await readSide.tokenKey(), token, project_id) : await headerOrCookiePrincipal(request);
    await this.services.access.require(principal, project_id, 'read');
    // The response is the stream from here on; tsoa leaves a response whose headers are sent alone.
    readSide.live.attach(project_id, request.res!, readSide.position, principal, revocation);
    return '';
  }

  /** A token that opens the project's event stream for about 60 s (for EventSource, which cannot send headers). */
  @Post('token')
  @Security('user')
  @Security('apiKey')
  public async createStreamToken(@Path() project_id: string, @Request() request: ExpressRequest): Promise<StreamTokenResponse> {
    const principal = principalOf(request);
    await this.services.access.require(principal, project_id, 'read');
    const expiresAt = this.services.clock.now().getTime() + STREAM_TOKEN_SECONDS * 1000;
    const token = mintStreamToken(await readSideOf(this.services).tokenKey(), project_id, principal, expiresAt);
    return { token, expires_at: new Date(expiresAt).toISOString() };
  }

  /** The token's session or key as it stands now: one that ended since the token was minted opens nothing. */
  private async principalOfToken(key: Buffer, token: string, projectId: string): Promise<Principal> {
    const credential = openStreamToken(key, token, projectId, this.services.clock.now().getTime());
    const principal = await this.services.principals.current(credential);
    if (!principal) {
      throw new UnauthenticatedError(
        credential.kind === 'apiKey' ? 'The API key this stream token was issued to has been revoked' : 'The session this stream token was issued to has ended',
      );
    }
    return principal;
  }
}

/** A session (header or cookie), else an API key in `Authorization`. */
async function headerOrCookiePrincipal(request: ExpressRequest): Promise<Principal> {
  try {
    return await expressAuthentication(request, 'user');
  } catch (err) {
    if (!(err instanceof UnauthenticatedError) || !request.headers.authorization) throw err;
    try {
      return await expressAuthentication(request, 'apiKey');
    } catch {
      throw err;
    }
  }
}
