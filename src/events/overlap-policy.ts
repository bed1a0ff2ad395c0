/**
 * What happens to a task's tick while an earlier run of it is still open (PENDING or RUNNING):
 * `allow` starts it anyway (the default), `forbid` records it SKIPPED, `replace` cancels the open run
 * and starts the new one, `queue` creates it QUEUED and starts it when the open run ends.
 */
export type OverlapMode = 'allow' | 'forbid' | 'replace' | 'queue';

export const OVERLAP_MODES: readonly OverlapMode[] = ['allow', 'forbid', 'replace', 'queue'];

/** A task's, group's or project's overlap policy. `maxQueued` is present only with `queue`. */
export interface OverlapPolicy {
  mode: OverlapMode;
  /** How many ticks may wait at once (1–100); further ticks are SKIPPED ("queue full"). */
  maxQueued?: number;
}

export const DEFAULT_MAX_QUEUED = 1;
export const MAX_MAX_QUEUED = 100;
export const MAX_MAX_CONCURRENT = 1000;

/** The policy that applies: the task's own, else its group's, else the project's, else `allow`. */
export function effectiveOverlap(...policies: Array<OverlapPolicy | undefined | null>): OverlapPolicy {
  for (const policy of policies) if (policy) return policy;
  return { mode: 'allow' };
}
