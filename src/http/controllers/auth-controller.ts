import { Body, Controller, Get, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { refusePasswordSignInWhenSsoOnly } from '../../auth/oidc/sso-only';
import { requireUser } from '../../auth/require-user';
import { FIRST_ADMIN_USER_ID } from '../../commands/flows/bootstrap-first-admin';
import { executeCommand } from '../../commands/execute-command';
import { acceptInvitation } from '../../commands/flows/accept-invitation';
import { changeOwnPassword } from '../../commands/flows/change-own-password';
import { logIn } from '../../commands/flows/log-in';
import { userDecider } from '../../commands/user/user-decider';
import { NotFoundError } from '../../errors/app-error';
import { userStream } from '../../events/streams';
import { membershipsOf } from '../../queries/memberships';
import { listProjects } from '../../queries/projects';
import { userById } from '../../queries/users';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import { clearedSessionCookie, sessionCookie } from '../session-cookie';
import type { LoginResponse, MeResponse } from '../shapes/session-shape';
import { acceptanceFromBody, type AcceptInvitationBody, type ChangeOwnPasswordBody, type LoginBody, ownPasswordChangeFromBody } from '../shapes/user-input';
import { toUserResponse, type UserResponse } from '../shapes/user-shape';

/** Sessions (bearer token or the dashboard's cookie) and invitations. */
@Route('auth')
@Tags('Authentication')
export class AuthController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * Opens a session: the token is in the body (for `Authorization: Bearer`) and in the `co_session` cookie.
   * Repeated failures make further attempts wait (429 with `Retry-After`, in seconds): per account and
   * source address, per source address, and (only slowing) per account. With OIDC_SSO_ONLY, 403 for
   * everyone but the break-glass admin (the first super admin, ADMIN_EMAIL), before the password is checked.
   */
  @Post('login')
  @Response<ErrorBody>(401, 'Wrong email or password')
  @Response<ErrorBody>(403, 'Account disabled, or password sign-in turned off (OIDC_SSO_ONLY)')
  @Response<ErrorBody>(429, 'Too many failed sign-ins: try again after Retry-After seconds')
  public async login(@Request() request: ExpressRequest, @Body() body: LoginBody): Promise<LoginResponse> {
    const { oidc, adminEmail } = this.services.config;
    if (oidc?.ssoOnly) refusePasswordSignInWhenSsoOnly(oidc, [adminEmail, (await userById(this.services, FIRST_ADMIN_USER_ID))?.email], body.email);
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const session = await logIn(this.services, { email: body.email, password: body.password, address });
    this.setHeader('Set-Cookie', sessionCookie(session.token, this.services.config.publicUrl));
    return { token: session.token, expires_at: session.expiresAt, user: toUserResponse(await this.user(session.userId)) };
  }

  /** Ends the session the request was made with (the token stops working) and clears the cookie. */
  @Post('logout')
  @Security('user')
  @SuccessResponse(204, 'Logged out')
  public async logout(@Request() request: ExpressRequest): Promise<void> {
    const { userId, sessionId } = requireUser(principalOf(request));
    const command = { type: 'LogOut' as const, sessionId, at: this.services.clock.now().toISOString() };
    await executeCommand(this.services, userStream(userId), userDecider, command, commandContextOf(request));
    this.setHeader('Set-Cookie', clearedSessionCookie(this.services.config.publicUrl));
  }

  /**
   * Changes the signed-in person's own password, given the current one (400 naming `current_password`
   * when it is wrong; wrong guesses wait like failed sign-ins, 429 with `Retry-After`). The session it
   * is changed with stays open; every other session of the account ends, and their live streams close.
   */
  @Post('password')
  @Security('user')
  @SuccessResponse(204, 'Changed')
  @Response<ErrorBody>(400, 'Wrong current password, or a new password that breaks the rule')
  @Response<ErrorBody>(429, 'Too many wrong passwords: try again after Retry-After seconds')
  public async changeOwnPassword(@Request() request: ExpressRequest, @Body() body: ChangeOwnPasswordBody): Promise<void> {
    const { userId, sessionId } = requireUser(principalOf(request));
    const change = ownPasswordChangeFromBody(body, await this.user(userId));
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    await changeOwnPassword(this.services, userId, { ...change, sessionId, address }, commandContextOf(request));
    this.setStatus(204);
  }

  /** The signed-in user and their project memberships. */
  @Get('me')
  @Security('user')
  public async getMe(@Request() request: ExpressRequest): Promise<MeResponse> {
    const principal = requireUser(principalOf(request));
    const user = await this.user(principal.userId);
    const memberships = await membershipsOf(this.services, user.email);
    const roles = new Map(memberships.map((m) => [m.projectId, m.role]));
    const projects = await listProjects(this.services, [...roles.keys()]);
    return {
      user: toUserResponse(user),
      super_admin: user.superAdmin,
      memberships: projects.map((project) => ({ project_id: project.id, project_name: project.name, role: roles.get(project.id)! })),
    };
  }

  /**
   * Accepts an invitation from its one-time link (`/invite/<token>`): sets the password, after which
   * the person logs in with their email. 404 unknown link, 410 replaced or expired, 409 already accepted.
   */
  @Post('invitations/{token}/accept')
  @Response<ErrorBody>(404, 'Unknown link')
  @Response<ErrorBody>(409, 'Already accepted')
  @Response<ErrorBody>(410, 'Link replaced or expired')
  public async acceptInvitation(@Path() token: string, @Body() body: AcceptInvitationBody): Promise<UserResponse> {
    const userId = await acceptInvitation(this.services, token, acceptanceFromBody(body));
    return toUserResponse(await this.user(userId));
  }

  private async user(userId: string) {
    const user = await userById(this.services, userId);
    if (!user) throw new NotFoundError(`User ${userId} not found`);
    return user;
  }
}
