/**
 * The rule for EVENTSTORE_STREAM_PREFIX, a deployment's namespace on EventStoreDB/KurrentDB: letters,
 * digits, `-`, `_`, `.`, ending in a separator so that prefix + name stays readable (`team-a.task-…`).
 */
export const MAX_STREAM_PREFIX = 64;

export const STREAM_PREFIX_RULE = `at most ${MAX_STREAM_PREFIX} letters, digits, "-", "_" or "." and end in "-", "_" or "." (such as "team-a.")`;

export function isValidStreamPrefix(prefix: string): boolean {
  return prefix.length <= MAX_STREAM_PREFIX && /^[A-Za-z0-9._-]*[._-]$/.test(prefix);
}
