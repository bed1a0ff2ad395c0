import { Body, Controller, Delete, Path, Put, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExpressRequest } from 'express';
import type { AppServices } from '../../app-services';
import { requireUser } from '../../auth/require-user';
import { executeCommand } from '../../commands/execute-command';
import { setProjectMember } from '../../commands/flows/set-project-member';
import { projectDecider } from '../../commands/project/project-decider';
import { memberOf } from '../../commands/project/project-state';
import { normalizeEmail } from '../../commands/shared/email';
import { ValidationError } from '../../errors/app-error';
import { projectStream } from '../../events/streams';
import { principalOf } from '../authentication';
import type { ErrorBody } from '../error-mapping';
import { commandContextOf } from '../request-context';
import type { MemberAlertsResponse, ProjectMemberResponse, SetMemberAlertsBody, SetMemberBody } from '../shapes/member-shape';
import { emailProblem } from '../shapes/user-input';

/**
 * Members one at a time (project admin; a member may change their own alert choice). Roles: admin,
 * editor, viewer (`readonly` is viewer).
 */
@Route('projects/{project_id}/members')
@Tags('Projects')
@Security('user')
@Response<ErrorBody>(403, 'Not a project admin')
@Response<ErrorBody>(404, 'Unknown project, or not a member')
export class ProjectMembersController extends Controller {
  constructor(private readonly services: AppServices) {
    super();
  }

  /**
   * Adds a member or changes their role. An email without an account is invited: a one-time link
   * (`${PUBLIC_URL}/invite/<token>`) is mailed to them through `SMTP_URL`, saying who invited them, to
   * which project and role, and when the link expires. Without `SMTP_URL`, or when the mail cannot be
   * sent, the invitation still stands and the link is written to the server log (a warning when sending
   * failed) for the admin to pass on. Doing it again while the invitation is pending mails a new link
   * (the previous one stops working). Demoting the last admin is refused (409). `alerts`, when sent,
   * sets whether the member is mailed the project's alerts; left out, it stays as it was (a new member
   * gets the default: on for admins, off for editors and viewers).
   */
  @Put('{email}')
  @Response<ErrorBody>(409, 'No admin left')
  public async setProjectMember(
    @Path() project_id: string,
    @Path() email: string,
    @Request() request: ExpressRequest,
    @Body() body: SetMemberBody,
  ): Promise<ProjectMemberResponse> {
    const principal = principalOf(request);
    await this.services.access.require(principal, project_id, 'admin');
    requireEmail(email);
    const member = { email, role: body.role, alerts: body.alerts };
    const { role, alerts, invitation } = await setProjectMember(this.services, project_id, member, requireUser(principal).userId, commandContextOf(request));
    return {
      project_id,
      email: normalizeEmail(email),
      role,
      alerts,
      status: invitation ? 'invited' : 'active',
      invitation_expires_at: invitation?.expiresAt ?? null,
    };
  }

  /**
   * Whether a member is mailed the project's alerts (besides its `alert_emails`). Every member may set
   * their own; an admin may set anyone's. Until a member chooses, admins are mailed and editors and
   * viewers are not; a choice stays when their role changes. 404 when the email is not a member.
   */
  @Put('{email}/alerts')
  public async setProjectMemberAlerts(
    @Path() project_id: string,
    @Path() email: string,
    @Request() request: ExpressRequest,
    @Body() body: SetMemberAlertsBody,
  ): Promise<MemberAlertsResponse> {
    const user = requireUser(principalOf(request));
    const self = normalizeEmail(email) === normalizeEmail(user.email);
    await this.services.access.require(user, project_id, self ? 'read' : 'admin');
    requireEmail(email);
    const command = { type: 'SetProjectMemberAlerts' as const, email, alerts: body.alerts, at: this.services.clock.now().toISOString() };
    const { state } = await executeCommand(this.services, projectStream(project_id), projectDecider, command, commandContextOf(request));
    return { project_id, email: normalizeEmail(email), ...memberOf(state!, normalizeEmail(email))! };
  }

  /** Removes a member (404 when not one). Removing the last admin is refused (409). */
  @Delete('{email}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(409, 'No admin left')
  public async removeProjectMember(@Path() project_id: string, @Path() email: string, @Request() request: ExpressRequest): Promise<void> {
    await this.services.access.require(principalOf(request), project_id, 'admin');
    requireEmail(email);
    const command = { type: 'RemoveProjectMember' as const, email, at: this.services.clock.now().toISOString() };
    await executeCommand(this.services, projectStream(project_id), projectDecider, command, commandContextOf(request));
  }
}

function requireEmail(email: string): void {
  const problem = emailProblem(email);
  if (problem) throw new ValidationError('Invalid member', [problem]);
}
