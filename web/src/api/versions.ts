/**
 * Versions of what an editor loaded: tasks, groups and projects answer with an ETag, and a change sent
 * with it as If-Match is refused with 412 when someone else changed the thing in between, instead of
 * silently overwriting their change.
 */
import { ApiError, unwrap } from './client';

export interface Versioned<T> {
  data: T;
  /** null when the server gave none: the change is then sent without If-Match, as before. */
  etag: string | null;
}

/** Like `unwrap`, keeping the answer's ETag. */
export async function unwrapVersioned<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<Versioned<T>> {
  let etag: string | null = null;
  const data = await unwrap(
    call.then((answer) => {
      etag = answer.response.headers.get('etag');
      return answer;
    }),
  );
  return { data, etag };
}

/** The If-Match header of a change to the version `etag`; none without one. */
export function ifMatch(etag: string | null): Record<string, string> {
  return etag ? { 'If-Match': etag } : {};
}

/** Whether a change was refused because the thing changed since it was loaded (412). */
export function isEditConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 412;
}
