/**
 * The range of a stats route (`granularity`, `from`, `to`), one reading for every route over the stats
 * buckets, each bad value a 400 naming the parameter.
 * - hour: UTC hours overlapping [from, to) (ISO instants; default the last 24 hours up to now);
 * - day: the days from … to (`YYYY-MM-DD`, both included; default the last 7 days up to today) in `zone`.
 */
import { ValidationError } from '../errors/app-error';
import { localDayOf } from '../projections/stats-buckets';
import { optionalDayNumber, optionalInstantMs } from './read-side-params';

const MS_PER_HOUR = 3_600_000;

export type StatsRangeParams = { granularity: 'hour'; fromMs: number; toMs: number } | { granularity: 'day'; fromDay: number; toDay: number };

export function statsRangeParams(
  query: { granularity?: 'hour' | 'day'; from?: string; to?: string },
  context: { nowMs: number; zone: string; maxHours: number; maxDays: number },
): StatsRangeParams {
  if (query.granularity === 'hour') {
    const toMs = optionalInstantMs('to', query.to) ?? Math.floor(context.nowMs / MS_PER_HOUR) * MS_PER_HOUR + MS_PER_HOUR;
    const fromMs = optionalInstantMs('from', query.from) ?? toMs - 24 * MS_PER_HOUR;
    if (fromMs >= toMs) throw new ValidationError('Invalid range', ['from: must be before to']);
    if (Math.ceil(toMs / MS_PER_HOUR) - Math.floor(fromMs / MS_PER_HOUR) > context.maxHours) {
      throw new ValidationError('Range too long', [`from/to: at most ${context.maxHours} hours at granularity=hour`]);
    }
    return { granularity: 'hour', fromMs, toMs };
  }
  const today = localDayOf(context.nowMs, context.zone);
  const toDay = optionalDayNumber('to', query.to) ?? today;
  const fromDay = optionalDayNumber('from', query.from) ?? toDay - 6;
  if (fromDay > toDay) throw new ValidationError('Invalid range', ['from: must not be after to']);
  if (toDay - fromDay + 1 > context.maxDays) throw new ValidationError('Range too long', [`from/to: at most ${context.maxDays} days at granularity=day`]);
  return { granularity: 'day', fromDay, toDay };
}
