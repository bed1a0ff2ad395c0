import { displayPrefix, newSecret, sha256Hex } from '../../auth/secrets';
import { ConflictError } from '../../errors/app-error';
import type { CommandContext } from '../command-context';
import type { DomainEvent } from '../handle-command';
import { newEntityId } from '../idempotent-request';
import type { ApiKeyScope } from '../../events/project-events';
import type { NewApiKey } from './project-commands';

/** A fresh key: the raw value for the caller (shown once) and what the events keep of it. */
export function generateApiKey(name: string, scope: ApiKeyScope, context: CommandContext): { raw: string; key: NewApiKey } {
  const raw = newSecret('co');
  return { raw, key: { keyId: newEntityId(context), name, scope, prefix: displayPrefix(raw), hash: sha256Hex(raw) } };
}

/**
 * A raw key is never stored, so a request retried with its Idempotency-Key after its first attempt
 * created the key but its answer was lost (a crash in between) cannot show that key again: refused,
 * rather than answer a key that does not work.
 */
export function requireKeyCreatedNow(events: DomainEvent[], key: NewApiKey): void {
  const created = events.find((event) => event.type === 'ApiKeyCreated')?.data as { hash?: string } | undefined;
  if (created && created.hash !== key.hash) {
    throw new ConflictError(
      `An earlier attempt of this request created the API key ${key.keyId} but its answer was lost; revoke that key and create a new one`,
    );
  }
}
