import { ValidationError } from '../../errors/app-error';
import { DEFAULT_MAX_QUEUED, type OverlapMode, type OverlapPolicy } from '../../events/overlap-policy';

/** A task's or group's overlap policy (README, "Overlap and concurrency"). */
export interface OverlapFieldsBody {
  /** What a tick does while a run of the task is still open; null or left out: inherited (group, then project, then `allow`). */
  overlap_policy?: OverlapMode | null;
  /**
   * With `overlap_policy: queue` only: how many ticks may wait (default 1); further ticks are SKIPPED.
   * @isInt
   * @minimum 1
   * @maximum 100
   */
  max_queued?: number | null;
  /**
   * Open runs (PENDING or RUNNING) allowed at once: of the task, or of all the group's tasks together;
   * null or left out: no limit.
   * @isInt
   * @minimum 1
   * @maximum 1000
   */
  max_concurrent?: number | null;
}

/** The project's default policy for tasks and groups that set none. */
export type ProjectOverlapBody = Pick<OverlapFieldsBody, 'overlap_policy' | 'max_queued'>;

export interface OverlapFields {
  overlap?: OverlapPolicy;
  maxConcurrent?: number;
}

/** The policy a body states (undefined: inherited); `max_queued` without `queue` is refused. */
export function overlapPolicyFromBody(body: ProjectOverlapBody): OverlapPolicy | undefined {
  const mode = body.overlap_policy ?? null;
  const maxQueued = body.max_queued ?? null;
  if (maxQueued !== null && mode !== 'queue') {
    throw new ValidationError('Invalid overlap policy', [`max_queued: only with overlap_policy "queue" (got ${mode === null ? 'none' : `"${mode}"`})`]);
  }
  if (mode === null) return undefined;
  return mode === 'queue' ? { mode, maxQueued: maxQueued ?? DEFAULT_MAX_QUEUED } : { mode };
}

/** A task's or group's fields, present only when set (definitions without them compare equal). */
export function overlapFromBody(body: OverlapFieldsBody): OverlapFields {
  const fields: OverlapFields = {};
  const overlap = overlapPolicyFromBody(body);
  if (overlap) fields.overlap = overlap;
  if (body.max_concurrent !== undefined && body.max_concurrent !== null) fields.maxConcurrent = body.max_concurrent;
  return fields;
}

export interface OverlapFieldsResponse {
  /** null: inherited. */
  overlap_policy: OverlapMode | null;
  /** With `queue` only; else null. */
  max_queued: number | null;
  /** null: no limit. */
  max_concurrent: number | null;
}

export function overlapResponse(fields: OverlapFields): OverlapFieldsResponse {
  return {
    overlap_policy: fields.overlap?.mode ?? null,
    max_queued: fields.overlap?.maxQueued ?? null,
    max_concurrent: fields.maxConcurrent ?? null,
  };
}
