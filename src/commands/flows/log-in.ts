import { randomUUID } from 'node:crypto';
import type { AppServices } from '../../app-services';
import { hashPassword, verifyPassword } from '../../auth/passwords';
import { newSecret, sha256Hex } from '../../auth/secrets';
import { UnauthenticatedError } from '../../errors/app-error';
import { userStream } from '../../events/streams';
import { userByEmail } from '../../queries/users';
import { newCommandContext } from '../command-context';
import { normalizeEmail } from '../shared/email';
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

export interface Credentials {
  email: string;
  password: string;
  /** Where the attempt comes from (the request's source address), for the brute-force throttle. */
  address: string;
}

/**
 * Checks the password (against the access read model's hash) and opens a session. An unknown email
 * costs the same scrypt time as a wrong password, so response times do not reveal which accounts exist.
 * The throttle may refuse the attempt (429) before any of that, and counts its outcome.
 */
export async function logIn(
  services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry' | 'loginThrottle'>,
  { email, password, address }: Credentials,
): Promise<NewSession> {
  const { user, passwordVerified } = await services.loginThrottle.attempt(
    { account: normalizeEmail(email), address },
    async () => {
      const found = await userByEmail(services, email);
      const matched = await verifyPassword(password, found?.passwordHash ?? (await dummyHash()));
      return { user: found, passwordVerified: matched && found !== null && found.passwordHash !== null };
    },
    (outcome) => outcome.passwordVerified,
  );
  if (!user) throw new UnauthenticatedError(WRONG_CREDENTIALS);
  const token = newSecret('cos');
  const now = services.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString();
  const command = {
    type: 'LogIn' as const,
    passwordVerified,
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
