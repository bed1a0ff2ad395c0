import type { AppServices } from '../../app-services';
import { hashPassword } from '../../auth/passwords';
import { sha256Hex } from '../../auth/secrets';
import { NotFoundError } from '../../errors/app-error';
import { userStream } from '../../events/streams';
import { invitationByTokenHash } from '../../queries/credentials';
import { newCommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { userDecider } from '../user/user-decider';

/**
 * Sets the password (and optionally the name) of an invited account from the link's token. The user
 * decider refuses a replaced (410), expired (410) or already accepted (409) invitation.
 */
export async function acceptInvitation(
  services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry'>,
  token: string,
  acceptance: { name?: string; password: string },
): Promise<string> {
  const inviteTokenHash = sha256Hex(token);
  const invitation = await invitationByTokenHash(services, inviteTokenHash);
  if (!invitation) throw new NotFoundError('This invitation link is not valid; check that it was copied whole');
  const command = {
    type: 'AcceptInvitation' as const,
    inviteTokenHash,
    passwordHash: await hashPassword(acceptance.password),
    name: acceptance.name,
    at: services.clock.now().toISOString(),
  };
  await executeCommand(services, userStream(invitation.userId), userDecider, command, newCommandContext(invitation.userId));
  return invitation.userId;
}
