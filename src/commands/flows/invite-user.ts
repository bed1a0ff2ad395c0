import type { AppServices } from '../../app-services';
import { newSecret, sha256Hex } from '../../auth/secrets';
import { userEmailStream, userStream } from '../../events/streams';
import { deliverInvitation } from '../../mail/invitation-mail';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import { userEmailDecider } from '../name-reservation/name-reservation-decider';
import { nameOwner, reserveName } from '../name-reservation/reserve-name';
import { normalizeEmail } from '../shared/email';
import { userDecider } from '../user/user-decider';
import { newEntityId } from '../idempotent-request';

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

/** What inviting (and the flows that may invite) needs. */
export type InvitingServices = Pick<AppServices, 'events' | 'clock' | 'projections' | 'config' | 'logger' | 'mail' | 'reads' | 'registry'>;

export interface SentInvitation {
  userId: string;
  expiresAt: string;
}

/**
 * Invites a new project member who has no account yet: the account is created pending, with a one-time
 * link `${PUBLIC_URL}/invite/<token>`, mailed to the person right after the invitation is recorded (the
 * raw token exists only now); without a mail server, or when the mail fails, the link is written to the
 * log for the admin to pass on, and the invitation stands. An account still pending gets a new link,
 * mailed again (the old one stops working). Returns null when the email already has an account: the
 * membership is enough.
 *
 * Decided from the event streams (the email reservation and the account), not the read model, so a
 * reservation left behind by an interrupted invitation is reused rather than blocking the email forever.
 */
export async function inviteUser(
  services: InvitingServices,
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
  const userId = owner ?? newEntityId(context);
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
  const link = `${services.config.publicUrl}/invite/${token}`;
  await deliverInvitation(services, { email, projectId, role, invitedBy, link, expiresAt });
  return { userId, expiresAt };
}
