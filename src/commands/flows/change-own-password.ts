import type { AppServices } from '../../app-services';
import { hashPassword, verifyPassword } from '../../auth/passwords';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import { userStream } from '../../events/streams';
import { userById } from '../../queries/users';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { userDecider } from '../user/user-decider';

export interface OwnPasswordChange {
  current: string;
  next: string;
  /** The session the change is made with: it stays open, every other session of the account ends. */
  sessionId: string;
  /** The request's source address: a wrong current password counts as a failed sign-in from there. */
  address: string;
}

/**
 * A person changes their own password, proving they know the current one: a stolen session alone
 * cannot take the account over. Wrong guesses are throttled exactly like sign-ins (429 with Retry-After).
 */
export async function changeOwnPassword(
  services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry' | 'loginThrottle'>,
  userId: string,
  change: OwnPasswordChange,
  context: CommandContext,
): Promise<void> {
  const user = await userById(services, userId);
  if (!user) throw new NotFoundError(`User ${userId} not found`);
  const matched = await services.loginThrottle.attempt(
    { account: user.email, address: change.address },
    () => verifyPassword(change.current, user.passwordHash ?? ''),
    (ok) => ok,
  );
  if (!matched) throw new ValidationError('The current password is wrong', ['current_password: does not match the account\'s password']);
  const command = { type: 'ChangePassword' as const, passwordHash: await hashPassword(change.next), keepSessionId: change.sessionId, at: services.clock.now().toISOString() };
  await executeCommand(services, userStream(userId), userDecider, command, context);
}
