import type { ProjectRole } from '../../events/project-events';
import { projectStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { inviteUser, type InvitingServices, type SentInvitation } from './invite-user';
import type { MemberInput } from '../project/project-commands';
import { projectDecider } from '../project/project-decider';
import { memberOf } from '../project/project-state';
import { normalizeEmail } from '../shared/email';

export interface MemberSet {
  role: ProjectRole;
  /** Whether they are mailed alerts, after this change. */
  alerts: boolean;
  /** The invitation sent; null when the person already has an account. */
  invitation: SentInvitation | null;
}

/**
 * Adds a member or changes its role and, when given, their alert choice (PUT …/members/{email}). An
 * email without an account gets an invitation; one whose invitation is still pending gets a new link,
 * mailed again (this is how an admin re-sends it).
 */
export async function setProjectMember(
  services: InvitingServices,
  projectId: string,
  member: MemberInput,
  invitedBy: string,
  context: CommandContext,
): Promise<MemberSet> {
  const command = { type: 'SetProjectMember' as const, ...member, at: services.clock.now().toISOString() };
  const { state } = await executeCommand(services, projectStream(projectId), projectDecider, command, context);
  const invitation = await inviteUser(services, { email: member.email, projectId, role: member.role, invitedBy }, context);
  return { ...memberOf(state!, normalizeEmail(member.email))!, invitation };
}
