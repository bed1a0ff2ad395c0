import { v5 as uuidv5 } from 'uuid';

/**
 * The scheduler's UUIDv5 namespace. Fixed forever: changing it would give every tick a new execution
 * id, so a restart across the change could create a tick's execution twice.
 */
export const SCHEDULER_TICK_NAMESPACE = '94d1adf2-ca9e-42dc-b0f3-40f9401440b9';

/**
 * The execution id of a task's tick: UUIDv5 of `${taskId}|${scheduledAtISO}` (ISO as
 * `Date.prototype.toISOString` writes it, with milliseconds and `Z`). The same tick gets the same id on
 * every instance and after every restart, and the execution is appended with `no_stream`, so a tick can
 * never produce two executions. A tick recorded as MISSED while the scheduler was offline has this id too.
 */
export function tickExecutionId(taskId: string, scheduledAtIso: string): string {
  return uuidv5(`${taskId}|${scheduledAtIso}`, SCHEDULER_TICK_NAMESPACE);
}

/** The id of the `catch_up: latest` run of a tick missed during downtime: `${taskId}|${scheduledAtISO}|catch-up`. */
export function catchUpExecutionId(taskId: string, scheduledAtIso: string): string {
  return uuidv5(`${taskId}|${scheduledAtIso}|catch-up`, SCHEDULER_TICK_NAMESPACE);
}
