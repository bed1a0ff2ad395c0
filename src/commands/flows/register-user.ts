import type { FlowServices } from './flow-services';
import { hashPassword } from '../../auth/passwords';
import { userEmailStream, userStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { userEmailDecider } from '../name-reservation/name-reservation-decider';
import { releaseName, reserveName } from '../name-reservation/reserve-name';
import { normalizeEmail } from '../shared/email';
import { userDecider } from '../user/user-decider';
import { newEntityId } from '../idempotent-request';

export interface NewAccount {
  /** Given for the first admin (a fixed id, so two starts cannot both create one); random otherwise. */
  userId?: string;
  email: string;
  name: string;
  password: string;
  superAdmin: boolean;
}

/**
 * An account that can log in at once: reserve the email (409 when any account, invited or not, has it),
 * then register. A reservation this call made is given back if registering fails.
 */
export async function registerUser(
  services: FlowServices,
  account: NewAccount,
  context: CommandContext,
): Promise<string> {
  const userId = account.userId ?? newEntityId(context);
  const email = normalizeEmail(account.email);
  const emailStream = userEmailStream(email);
  const reserved = await reserveName(services, emailStream, userEmailDecider, userId, email, context);
  try {
    const passwordHash = await hashPassword(account.password);
    const at = services.clock.now().toISOString();
    const command = { type: 'RegisterUser' as const, userId, email, name: account.name, passwordHash, superAdmin: account.superAdmin, at };
    await executeCommand(services, userStream(userId), userDecider, command, context);
  } catch (err) {
    if (reserved) await releaseName(services, emailStream, userEmailDecider, userId, context).catch(() => undefined);
    throw err;
  }
  return userId;
}
