import type { AppServices } from '../app-services';
import type { InvitationRequest } from '../commands/flows/invite-user';
import { parseProjectRole } from '../commands/project/project-roles';
import { projectById } from '../queries/projects';
import { userById } from '../queries/users';
import type { OutgoingMail } from './mail-transport';

/** An invitation just recorded, with its raw link (events keep only the token's hash). */
export interface Invitation extends InvitationRequest {
  /** The one-time link `${PUBLIC_URL}/invite/<token>`. */
  link: string;
  expiresAt: string;
}

type InvitationServices = Pick<AppServices, 'reads' | 'registry' | 'mail' | 'logger'>;

/**
 * Tells the invited person their one-time link, right after the invitation was recorded (only then does
 * the raw token exist). By mail when SMTP_URL is set; otherwise, or when the mail cannot be sent, the link
 * goes to the log for the admin to pass on. Never throws: the invitation stands whatever happens to the
 * mail, so the request that made it still succeeds. The link is logged only when it was not mailed.
 */
export async function deliverInvitation(services: InvitationServices, invitation: Invitation): Promise<void> {
  const { email, projectId, link, expiresAt } = invitation;
  const { mail, logger } = services;
  if (!mail) {
    logger.info(
      { email, projectId, link, expiresAt },
      'invitation created; no mail server is configured (SMTP_URL), so send this one-time link to the person',
    );
    return;
  }
  try {
    await mail.send(await renderInvitationMail(services, invitation));
    logger.info({ email, projectId, expiresAt }, 'invitation mailed');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    logger.warn(
      { email, projectId, link, expiresAt, reason },
      'invitation created but its mail could not be sent; send this one-time link to the person',
    );
  }
}

/** Plain text: who invites, to which project and role, the link and when it expires. */
export async function renderInvitationMail(
  services: Pick<AppServices, 'reads' | 'registry'>,
  invitation: Invitation,
): Promise<OutgoingMail> {
  const { email, projectId, invitedBy, link, expiresAt } = invitation;
  const [inviter, project] = await Promise.all([userById(services, invitedBy), projectById(services, projectId)]);
  const who = inviter ? (inviter.name ? `${inviter.name} (${inviter.email})` : inviter.email) : 'A project admin';
  const where = project ? `"${project.name}"` : projectId;
  const role = parseProjectRole(invitation.role);
  const expiry = `${expiresAt.slice(0, 16).replace('T', ' ')} UTC`;
  const text = [
    'Hello,',
    '',
    `${who} invited you to the project ${where} on Cron Observer, as ${role}.`,
    '',
    'To accept, open this link and choose your password:',
    link,
    '',
    `The link works once and expires on ${expiry}. After that, ask a project admin to invite you again.`,
    'If you did not expect this invitation, you can ignore this mail.',
    '',
  ].join('\n');
  return {
    to: email,
    subject: `${who} invited you to ${where} on Cron Observer (${role})`,
    text,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
