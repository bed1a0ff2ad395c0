import { quoted } from './quoted';

/**
 * Ids as the API takes them: UUIDs, or any id that can name a stream (DESIGN.md, "Streams and
 * events"). An id outside this alphabet or length is one nothing has.
 */
const WELL_FORMED_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

export function isWellFormedId(id: unknown): id is string {
  return typeof id === 'string' && WELL_FORMED_ID.test(id);
}

/** An id as an error message may show it: as is when well formed, else quoted like any client value. */
export function idInMessage(id: unknown): string {
  if (isWellFormedId(id)) return id;
  return quoted(String(id));
}
