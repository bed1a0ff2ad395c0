/**
 * Turns a task's schedule into a CompiledSchedule, sharing everything that can be shared.
 *
 * The scheduler holds every active task (100,000 and more) in one timer structure, so a compiled
 * schedule must cost next to nothing per task. Cron and time-range schedules do not depend on the
 * task, only on (expression or range, filters, zone, DST policy): compileSchedule returns ONE object
 * for all tasks with the same such tuple, built on one shared CronTimes per expression and one shared
 * offset table per zone. 100,000 tasks over 60 second offsets and a few zones hold a few hundred
 * objects. Interval schedules depend on their anchor and get a small object of their own; one-offs
 * too.
 *
 * The cache holds its entries weakly: a schedule no task uses any more can be collected, and the
 * same config compiled again while one is alive gets the same object.
 */
import { ValidationError } from '../errors/app-error';
import { CompiledSchedule } from './compiled-schedule';
import { cronTimesCount, normalizeCronExpression } from './cron-times';
import { DailyIntervalTimes } from './daily-interval-times';
import { resolveDstPolicy } from './dst-policy';
import { ElapsedIntervalSchedule } from './elapsed-interval-schedule';
import { OneOffSchedule } from './one-off-schedule';
import { ScheduleConfig, ScheduleType, instantOf, validateScheduleConfig } from './schedule-config';
import { buildLocalTimes, dayFilterOf, unitSeconds } from './schedule-times';
import { zoneRules, zoneTableCount } from './time-zone';
import { ZonedSchedule } from './zoned-schedule';

const shared = new Map<string, WeakRef<CompiledSchedule>>();
const registry = new FinalizationRegistry<string>((key) => {
  if (shared.get(key)?.deref() === undefined) shared.delete(key);
});

/**
 * The identity of a shareable schedule, or undefined for anchored kinds (interval, one-off).
 * Built from the raw config, all of it, so that a cache hit needs no validation (an identical config
 * was valid when the entry was made); equivalent spellings (field order, list order, spacing and
 * case in the expression) give the same key.
 */
function shareKey(type: ScheduleType, config: ScheduleConfig): string | undefined {
  if (type !== 'RECURRING' || typeof config !== 'object' || config === null || config.interval != null) return undefined;
  const fields: Record<string, unknown> = config as unknown as Record<string, unknown>;
  const normalized: [string, unknown][] = Object.keys(fields)
    .sort()
    .map((name) => {
      const v = fields[name];
      if (name === 'cron_expression' && typeof v === 'string') return [name, normalizeCronExpression(v)];
      if (Array.isArray(v)) return [name, [...(v as unknown[])].sort()];
      return [name, v];
    });
  try {
    return JSON.stringify(normalized);
  } catch {
    return undefined; // not JSON-able: let validation explain
  }
}

function validated(type: ScheduleType, config: unknown): ScheduleConfig {
  const result = validateScheduleConfig(type, config);
  if (!result.ok) throw new ValidationError('Invalid schedule_config', result.details);
  return result.value;
}

/**
 * Compiles a schedule. `anchor` is the start of interval schedules (the task's creation time); the
 * other kinds ignore it. Throws ValidationError (with details) for an invalid config.
 */
export function compileSchedule(type: ScheduleType, config: ScheduleConfig, anchor?: Date): CompiledSchedule {
  const key = shareKey(type, config);
  if (key !== undefined) {
    const hit = shared.get(key)?.deref();
    if (hit) return hit;
  }
  const value = validated(type, config);
  const zone = zoneRules(value.timezone);

  if (type === 'ONEOFF') return new OneOffSchedule(instantOf(value.run_at as string), zone);

  const filter = dayFilterOf(value);
  if (value.interval) {
    if (!anchor || Number.isNaN(anchor.getTime())) {
      throw new RangeError('an interval schedule needs its anchor (the task creation time)');
    }
    const anchorSeconds = Math.floor(anchor.getTime() / 1000);
    if (value.interval.unit !== 'd') {
      return new ElapsedIntervalSchedule(anchorSeconds, value.interval.value * unitSeconds(value.interval.unit), filter, zone);
    }
    const anchorLocal = anchorSeconds + zone.offsetAt(anchorSeconds);
    const times = new DailyIntervalTimes(anchorLocal, value.interval.value, filter);
    return new ZonedSchedule(times, zone, resolveDstPolicy(times.isFixedTime, value.dst));
  }

  const times = buildLocalTimes(value, filter);
  if (times === null) throw new Error('unreachable: a valid RECURRING config without cron, interval or time range');
  const schedule = new ZonedSchedule(times, zone, resolveDstPolicy(times.isFixedTime, value.dst));
  if (key !== undefined) {
    shared.set(key, new WeakRef(schedule));
    registry.register(schedule, key);
  }
  return schedule;
}

/** Sizes of the shared caches, for the scheduler's metrics and the bench. */
export function scheduleCacheStats(): { schedules: number; cronPatterns: number; zones: number } {
  return { schedules: shared.size, cronPatterns: cronTimesCount(), zones: zoneTableCount() };
}

