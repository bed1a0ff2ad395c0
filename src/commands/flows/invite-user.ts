import { randomUUID } from 'node:crypto';
import type { AppServices } from '../../app-services';
import { newSecret, sha256Hex } from '../../auth/secrets';
import { userEmailStream, userStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import { userEmailDecider } from '../name-reservation/name-reservation-decider';
import { nameOwner, reserveName } from '../name-reservation/reserve-name';
import { normalizeEmail } from '../shared/email';
import { userDecider } from '../user/user-decider';

/** How long an invitation link can be used. */
export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export interface InvitationRequest {
  email: string;
  projectId: string;
  /** As requested (`readonly` is accepted as `viewer`). */
  role: string;
  /** User id of the inviting admin. */
  invitedBy: string;
}

export interface SentInvitation {
  userId: string;
  expiresAt: string;
}

/**
 * Invites a new project member who has no account yet: the account is created pending, with a one-time
 * link `${PUBLIC_URL}/invite/<token>`. Without a mail server (mail delivery comes later) the link is
 * written to the log for the admin to pass on. An account still pending gets a new link (the old one
 * stops working). Returns null when the email already has an account: the membership is enough.
 *
 * Decided from the event streams (the email reservation and the account), not the read model, so a
 * reservation left behind by an interrupted invitation is reused rather than blocking the email forever.
 */
export async function inviteUser(
  services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'config' | 'logger'>,
  request: InvitationRequest,
  context: CommandContext,
): Promise<SentInvitation | null> {
  const email = normalizeEmail(request.email);
  const emailStream = userEmailStream(email);
  const owner = await nameOwner(services, emailStream, userEmailDecider);
  if (owner !== null) {
    const { state } = await loadAggregate(services.events, userStream(owner), userDecider);
    if (state?.hasPassword) return null;
  }
  const userId = owner ?? randomUUID();
  if (owner === null) await reserveName(services, emailStream, userEmailDecider, userId, email, context);

  const token = newSecret('coi');
  const now = services.clock.now();
  const expiresAt = new Date(now.getTime() + INVITATION_LIFETIME_MS).toISOString();
  const { projectId, role, invitedBy } = request;
  const command = {
    type: 'InviteUser' as const,
    userId,
    email,
    invitedBy,
    projectId,
    role,
    inviteTokenHash: sha256Hex(token),
    expiresAt,
    at: now.toISOString(),
  };
  await executeCommand(services, userStream(userId), userDecider, command, context);
  services.logger.info(
    { email, projectId, link: `${services.config.publicUrl}/invite/${token}`, expiresAt },
    'invitation created; no mail server is used for invitations yet, so send this one-time link to the person',
  );
  return { userId, expiresAt };
}
