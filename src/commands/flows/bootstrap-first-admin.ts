import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppServices } from '../../app-services';
import { ConflictError } from '../../errors/app-error';
import { streamPrefix } from '../../events/streams';
import { newCommandContext } from '../command-context';
import { registerUser } from './register-user';

/**
 * The first admin's fixed id: two instances starting on one empty store both try to create this one
 * account, and the decider lets only one of them (the other gets a conflict and stands down).
 */
export const FIRST_ADMIN_USER_ID = '00000000-0000-4000-8000-000000000001';
export const INITIAL_ADMIN_FILE = 'initial-admin.txt';
/** Used when ADMIN_EMAIL is unset. */
export const GENERATED_ADMIN_EMAIL = 'admin@localhost';

type Services = Pick<AppServices, 'events' | 'clock' | 'projections' | 'config' | 'logger'>;

/**
 * Creates the first super admin on a store without accounts, from ADMIN_EMAIL/ADMIN_PASSWORD or else
 * with a generated password that is logged once and written to DATA_DIR/initial-admin.txt (mode 0600).
 * Once any account exists it does nothing, so a restart (with or without the variables) never adds a
 * second admin.
 */
export async function bootstrapFirstAdmin(services: Services): Promise<void> {
  if (await anyAccountEver(services)) return;
  const { adminEmail, adminPassword, dataDir } = services.config;
  const email = adminEmail ?? GENERATED_ADMIN_EMAIL;
  const password = adminPassword ?? randomBytes(18).toString('base64url');
  // A generated password is on disk before the account exists, so a crash in between cannot lose it:
  // the pending file becomes initial-admin.txt once the account is created.
  const file = join(dataDir, INITIAL_ADMIN_FILE);
  const pending =
    adminPassword === null ? writeSecretFile(`${file}.pending-${randomBytes(4).toString('hex')}`, `email: ${email}\npassword: ${password}\n`) : null;
  try {
    await registerUser(
      services,
      { userId: FIRST_ADMIN_USER_ID, email, name: 'Administrator', password, superAdmin: true },
      newCommandContext('system:bootstrap'),
    );
  } catch (err) {
    if (pending) rmSync(pending, { force: true });
    if (err instanceof ConflictError) return; // another instance created the first admin meanwhile
    throw err;
  }
  if (pending) {
    renameSync(pending, file);
    services.logger.warn(
      { email, password, file },
      'first super admin created with a generated password (shown only this once, and kept in the file): log in and change it',
    );
  } else {
    services.logger.info({ email }, 'first super admin created from ADMIN_EMAIL and ADMIN_PASSWORD');
  }
}

/**
 * Asked of the event store rather than a read model: authoritative, and it does not hold up the start
 * of a server whose read models are still catching up on a large store.
 */
async function anyAccountEver(services: Pick<AppServices, 'events'>): Promise<boolean> {
  const [first] = await services.events.readAll({ filter: { streamPrefixes: [streamPrefix('user')] }, maxCount: 1 });
  return first !== undefined;
}

/** Created with mode 0600 (owner only), never over an existing file. */
function writeSecretFile(path: string, content: string): string {
  writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  return path;
}
