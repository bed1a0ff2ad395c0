import { projectStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { inviteUser, type InvitingServices, type SentInvitation } from './invite-user';
import type { MemberInput } from '../project/project-commands';
import { projectDecider } from '../project/project-decider';

/**
 * Adds a member or changes its role (PUT …/members/{email}). An email without an account gets an
 * invitation; one whose invitation is still pending gets a new link, mailed again (this is how an admin
 * re-sends it).
 * Returns the invitation sent, or null when the person already has an account.
 */
export async function setProjectMember(
  services: InvitingServices,
  projectId: string,
  member: MemberInput,
  invitedBy: string,
  context: CommandContext,
): Promise<SentInvitation | null> {
  const command = { type: 'SetProjectMember' as const, email: member.email, role: member.role, at: services.clock.now().toISOString() };
  await executeCommand(services, projectStream(projectId), projectDecider, command, context);
  return inviteUser(services, { email: member.email, projectId, role: member.role, invitedBy }, context);
}
