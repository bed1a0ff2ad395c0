import type { AppServices } from '../../app-services';
import { hashPassword } from '../../auth/passwords';
import { NotFoundError } from '../../errors/app-error';
import type { UserChanges } from '../../events/user-events';
import { userStream } from '../../events/streams';
import { countOtherActiveSuperAdmins, userById } from '../../queries/users';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { isEmpty } from '../shared/json-equal';
import { userDecider } from '../user/user-decider';

export interface UserUpdate extends UserChanges {
  /** A new password, set by a super admin. */
  password?: string;
}

/**
 * A super admin's change to an account: name, super admin, disabled, password. A new password ends the
 * account's sessions: all of them (a reset), or all but the one it was set with when the super admin
 * changes their own (`by`, the caller's session).
 */
export async function updateUser(
  services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry'>,
  userId: string,
  update: UserUpdate,
  context: CommandContext,
  by?: { userId: string; sessionId: string },
): Promise<void> {
  if (!(await userById(services, userId))) throw new NotFoundError(`User ${userId} not found`);
  const { password, ...changes } = update;
  const stream = userStream(userId);
  const at = services.clock.now().toISOString();
  if (!isEmpty(changes)) {
    const otherActiveSuperAdmins = await countOtherActiveSuperAdmins(services, userId);
    await executeCommand(services, stream, userDecider, { type: 'UpdateUser', changes, otherActiveSuperAdmins, at }, context);
  }
  if (password !== undefined) {
    await executeCommand(services, stream, userDecider, {
      type: 'ChangePassword',
      passwordHash: await hashPassword(password),
      ...(by?.userId === userId ? { keepSessionId: by.sessionId } : {}),
      at,
    }, context);
  }
}
