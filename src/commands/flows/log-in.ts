import { randomUUID } from 'node:crypto';
import type { AppServices } from '../../app-services';
import { hashPassword, verifyPassword } from '../../auth/passwords';
import { newSecret, sha256Hex } from '../../auth/secrets';
import { UnauthenticatedError } from '../../errors/app-error';
import { userStream } from '../../events/streams';
import { userByEmail } from '../../queries/users';
import { newCommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { userDecider, WRONG_CREDENTIALS } from '../user/user-decider';

/** How long a session token stays valid. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export interface NewSession {
  /** The bearer token, given to the client once; only its hash is kept. */
  token: string;
  expiresAt: string;
  userId: string;
}

/**
 * Checks the password (against the access read model's hash) and opens a session. An unknown email
 * costs the same scrypt time as a wrong password, so response times do not reveal which accounts exist.
 */
export async function logIn(
  services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry'>,
  email: string,
  password: string,
): Promise<NewSession> {
  const user = await userByEmail(services, email);
  const passwordVerified = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
  if (!user) throw new UnauthenticatedError(WRONG_CREDENTIALS);
  const token = newSecret('cos');
  const now = services.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString();
  const command = {
    type: 'LogIn' as const,
    passwordVerified: passwordVerified && user.passwordHash !== null,
    checkedPasswordHash: user.passwordHash,
    sessionId: randomUUID(),
    tokenHash: sha256Hex(token),
    expiresAt,
    at: now.toISOString(),
  };
  await executeCommand(services, userStream(user.id), userDecider, command, newCommandContext(user.id));
  return { token, expiresAt, userId: user.id };
}

let dummy: Promise<string> | null = null;

/** A hash nobody's password matches, to spend the time of a real check. */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(newSecret('cos'));
  return dummy;
}
