import type { ProjectChanges } from '../../events/project-events';
import { nameKey, projectNameStream, projectStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import { type RevisionPrecondition, requireRevision } from '../revision-precondition';
import { projectNameDecider } from '../name-reservation/name-reservation-decider';
import { releaseName, reserveName } from '../name-reservation/reserve-name';
import { normalizeEmail } from '../shared/email';
import { requireLive } from '../shared/guards';
import { inviteUser, type InvitingServices } from './invite-user';
import type { MemberInput } from '../project/project-commands';
import { projectDecider } from '../project/project-decider';

export interface ProjectUpdate {
  changes: ProjectChanges;
  /** Replaces the member list when present. */
  members?: MemberInput[];
}

/**
 * A partial update of a project's settings and, optionally, its whole member list (PUT /projects/{id}).
 * A rename reserves the new name first and releases the old one after; members added without an
 * account are invited (members already listed are not invited again, so echoing a fetched project back
 * does not replace anyone's invitation link). A stale If-Match is refused before a new name is reserved,
 * and again, atomically, by the update's append.
 */
export async function updateProject(
  services: InvitingServices,
  projectId: string,
  update: ProjectUpdate,
  invitedBy: string,
  context: CommandContext,
  ifMatch?: RevisionPrecondition,
): Promise<void> {
  const stream = projectStream(projectId);
  const { state, revision } = await loadAggregate(services.events, stream, projectDecider);
  const before = requireLive(state, `Project ${projectId}`);
  requireRevision(ifMatch, revision, stream);
  const oldName = before.settings.name;
  const newName = update.changes.name;
  // A change of case only keeps the same reservation (names are unique case-insensitively).
  const renamed = newName !== undefined && nameKey(newName) !== nameKey(oldName);
  const reserved = renamed && (await reserveName(services, projectNameStream(newName), projectNameDecider, projectId, newName, context));
  try {
    const command = { type: 'UpdateProject' as const, changes: update.changes, members: update.members, at: services.clock.now().toISOString() };
    await executeCommand(services, stream, projectDecider, command, context, { ifMatch });
  } catch (err) {
    if (reserved) await releaseName(services, projectNameStream(newName), projectNameDecider, projectId, context).catch(() => undefined);
    throw err;
  }
  if (renamed) await releaseName(services, projectNameStream(oldName), projectNameDecider, projectId, context);
  for (const member of update.members ?? []) {
    if (normalizeEmail(member.email) in before.members) continue;
    await inviteUser(services, { email: member.email, projectId, role: member.role, invitedBy }, context);
  }
}
