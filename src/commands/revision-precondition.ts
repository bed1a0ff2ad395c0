import { PreconditionFailedError } from '../errors/app-error';
import type { StreamRevision } from '../stores/events/event-store';

/**
 * The stream revisions a client's precondition (HTTP If-Match) accepts; an empty list accepts none.
 * A command given one is decided only against an aggregate at one of these revisions and appended with
 * exactly that expected revision, so the check and the write are one atomic step in the store.
 */
export type RevisionPrecondition = readonly number[];

/** Throws 412 unless the aggregate is at a revision the precondition accepts (none given: any). */
export function requireRevision(precondition: RevisionPrecondition | undefined, actual: StreamRevision, label: string): void {
  if (precondition === undefined || (actual !== 'no_stream' && precondition.includes(actual))) return;
  const expected = precondition.length === 0 ? 'a revision this server never issued' : precondition.map((r) => `"${r}"`).join(', ');
  const current = actual === 'no_stream' ? 'none' : `"${actual}"`;
  throw new PreconditionFailedError(`${label} was changed by someone else since you read it`, [
    `If-Match: ${expected} is not the current revision (${current}); read it again (its ETag) and reapply your change`,
  ]);
}
