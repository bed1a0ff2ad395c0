/**
 * What a schedule does when daylight saving time moves the wall clock.
 *
 * - `gap` — a wall-clock time that does not exist (spring forward: 02:30 in New York on 2026-03-08):
 *   `shift` runs it at the first instant after the gap, the transition itself (03:00 EDT);
 *   `skip` does not run it.
 * - `repeat` — a wall-clock time that happens twice (fall back: 01:30 in New York on 2026-11-01):
 *   `once` runs it at its first occurrence only, the one at the earlier (pre-transition, summer)
 *   offset, 01:30 EDT; `twice` runs it at both, 01:30 EDT and 01:30 EST.
 *
 * The default is classic cron (Vixie cron, and croner): fixed times of day (`30 2 * * *`, a
 * single-tick window, a daily interval) `shift` and run `once`, so a daily job runs exactly once
 * every day; a repeating clock (`0 * * * *`, `*\/15 * * * *`, a time-range frequency) follows
 * elapsed time: it `skip`s the times that do not exist and runs `twice` through the repeated hour,
 * so an hourly job still runs every hour on both transition days. An explicit `dst` setting
 * overrides either half of this for any expression.
 */
export type GapPolicy = 'shift' | 'skip';
export type RepeatPolicy = 'once' | 'twice';

export interface DstPolicy {
  readonly gap: GapPolicy;
  readonly repeat: RepeatPolicy;
}

export function resolveDstPolicy(
  isFixedTime: boolean,
  configured: { gap?: GapPolicy; repeat?: RepeatPolicy } | undefined,
): DstPolicy {
  return {
    gap: configured?.gap ?? (isFixedTime ? 'shift' : 'skip'),
    repeat: configured?.repeat ?? (isFixedTime ? 'once' : 'twice'),
  };
}
