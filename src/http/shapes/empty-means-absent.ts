/**
 * The original API read `""` in an optional id, zone or time as "not given" (no group, UTC, no
 * window), and its clients still send it: every input shape reads it so, and answers it as null.
 */
export function absentIfEmpty<T extends string>(value: T | null | undefined): T | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}
