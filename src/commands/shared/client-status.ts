import { ValidationError } from '../../errors/app-error';
import { quoted } from '../../errors/quoted';

export type ClientStatus = 'ACTIVE' | 'DISABLED';

/**
 * The only statuses a client may set on a task or a group; the others (PENDING_DELETE, DELETE_FAILED)
 * belong to the deletion saga. Input is a string because a client may echo back any status it read.
 */
export function parseClientStatus(input: string): ClientStatus {
  if (input === 'ACTIVE' || input === 'DISABLED') return input;
  throw new ValidationError(`Status ${quoted(input)} cannot be set; use ACTIVE or DISABLED`, ['status: must be ACTIVE or DISABLED']);
}
