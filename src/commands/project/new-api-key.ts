import { randomUUID } from 'node:crypto';
import { displayPrefix, newSecret, sha256Hex } from '../../auth/secrets';
import type { ApiKeyScope } from '../../events/project-events';
import type { NewApiKey } from './project-commands';

/** A fresh key: the raw value for the caller (shown once) and what the events keep of it. */
export function generateApiKey(name: string, scope: ApiKeyScope): { raw: string; key: NewApiKey } {
  const raw = newSecret('co');
  return { raw, key: { keyId: randomUUID(), name, scope, prefix: displayPrefix(raw), hash: sha256Hex(raw) } };
}
