import { hash } from 'node:crypto';

/**
 * The scheduler's UUIDv5 namespace. Fixed forever: changing it would give every tick a new execution
 * id, so a restart across the change could create a tick's execution twice.
 */
export const SCHEDULER_TICK_NAMESPACE = '94d1adf2-ca9e-42dc-b0f3-40f9401440b9';

const NAMESPACE_BYTES = Buffer.from(SCHEDULER_TICK_NAMESPACE.replaceAll('-', ''), 'hex');
/** The namespace, then the name being hashed: one buffer for every call (a name longer than it gets its own). */
const hashInput = Buffer.alloc(512);
NAMESPACE_BYTES.copy(hashInput);

/**
 * UUIDv5 (RFC 9562 §5.5) of `name` in the scheduler's namespace: the same ids as the `uuid` package's
 * v5, computed with one native one-shot SHA-1 over a reused buffer (it runs for every tick, about 1,700
 * a second at 100,000 every-minute tasks; a Hash object per call took about twice as long).
 */
function schedulerUuid(name: string): string {
  const digest = hash('sha1', hashInputOf(name), 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The namespace's bytes, then the name's: in the shared buffer when they surely fit (3 bytes at most per UTF-16 unit). */
function hashInputOf(name: string): Buffer {
  const start = NAMESPACE_BYTES.length;
  if (name.length * 3 > hashInput.length - start) return Buffer.concat([NAMESPACE_BYTES, Buffer.from(name, 'utf8')]);
  return hashInput.subarray(0, start + hashInput.write(name, start, 'utf8'));
}

/**
 * The execution id of a task's tick: UUIDv5 of `${taskId}|${scheduledAtISO}` (ISO as
 * `Date.prototype.toISOString` writes it, with milliseconds and `Z`). The same tick gets the same id on
 * every instance and after every restart, and the execution is appended with `no_stream`, so a tick can
 * never produce two executions. A tick recorded as MISSED while the scheduler was offline has this id too.
 */
export function tickExecutionId(taskId: string, scheduledAtIso: string): string {
  return schedulerUuid(`${taskId}|${scheduledAtIso}`);
}

/** The id of the `catch_up: latest` run of a tick missed during downtime: `${taskId}|${scheduledAtISO}|catch-up`. */
export function catchUpExecutionId(taskId: string, scheduledAtIso: string): string {
  return schedulerUuid(`${taskId}|${scheduledAtIso}|catch-up`);
}
