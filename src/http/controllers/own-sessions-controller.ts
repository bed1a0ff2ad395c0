import { Controller, Delete, Get, Path, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { requireUser } from '../../auth/require-user';
import { executeCommand } from '../../commands/execute-command';
import { userDecider } from '../../commands/user/user-decider';
import { NotFoundError } from '../../errors/app-error';
import { userStream } from '../../events/streams';
import { sessionById, sessionsOfUser } from '../../queries/credentials';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import type { OwnSessionResponse } from '../shapes/session-shape';

/** The signed-in person's own sessions: each sees and ends only their own. */
@Route('auth/sessions')
@Tags('Authentication')
@Security('user')
export class OwnSessionsController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /** Open sessions, newest first (at most 200), the one this request was made with marked `current`. */
  @Get()
  public async listOwnSessions(@Request() request: ExpressRequest): Promise<OwnSessionResponse[]> {
    const { userId, sessionId } = requireUser(principalOf(request));
    const now = this.services.clock.now().toISOString();
    return (await sessionsOfUser(this.services, userId))
      .filter((session) => session.expiresAt > now)
      .map((session) => ({ id: session.id, created_at: session.createdAt, expires_at: session.expiresAt, current: session.id === sessionId }));
  }

  /**
   * Ends one of one's own sessions, like logging out there: its token stops working and its live streams
   * close. 404 for an id that is not an open session of the caller's (another person's sessions included).
   */
  @Delete('{session_id}')
  @SuccessResponse(204, 'Ended')
  @Response<ErrorBody>(404, 'Not an open session of yours')
  public async endOwnSession(@Path() session_id: string, @Request() request: ExpressRequest): Promise<void> {
    const { userId } = requireUser(principalOf(request));
    const session = await sessionById(this.services, session_id);
    if (!session || session.userId !== userId) throw new NotFoundError(`Session ${session_id} not found`);
    const command = { type: 'LogOut' as const, sessionId: session_id, at: this.services.clock.now().toISOString() };
    await executeCommand(this.services, userStream(userId), userDecider, command, commandContextOf(request));
    this.setStatus(204);
  }
}
