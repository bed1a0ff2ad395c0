/** Simple stacked bars (success / failure / other) per bucket; the numbers are in the labels too. */
import type { StatsRange } from '../api/client';
import { formatDuration } from '../format';

/** `timeZone`: the zone hours are labelled in (hours are UTC hours; default: labelled as UTC). */
export function Bars({ stats, label, compact = false, timeZone }: { stats: StatsRange; label: string; compact?: boolean; timeZone?: string }) {
  const hourLabel = (start: string, short: boolean) =>
    new Date(start).toLocaleString(undefined, short ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone } : { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' });
  const labelOf = (bucket: StatsRange['buckets'][number], short = false) => (timeZone && stats.granularity === 'hour' ? hourLabel(bucket.start, short) : bucketLabel(bucket.key, stats.granularity, short));
  const max = Math.max(1, ...stats.buckets.map((b) => b.total));
  return (
    <figure className={compact ? 'bars compact' : 'bars'} aria-label={label}>
      <div className="bars-plot">
        {stats.buckets.map((bucket) => {
          const other = Math.max(0, bucket.total - bucket.success - bucket.failures);
          const title = `${labelOf(bucket)}: ${bucket.total} runs, ${bucket.success} succeeded, ${bucket.failures} failed${other ? `, ${other} other` : ''}`;
          return (
            <div key={bucket.key} className="bar" title={title} role="img" aria-label={title}>
              <div className="bar-stack" style={{ height: `${(bucket.total / max) * 100}%` }}>
                {bucket.failures ? <div className="seg seg-bad" style={{ flexGrow: bucket.failures }} /> : null}
                {other ? <div className="seg seg-other" style={{ flexGrow: other }} /> : null}
                {bucket.success ? <div className="seg seg-good" style={{ flexGrow: bucket.success }} /> : null}
              </div>
              {compact ? null : <span className="bar-key">{labelOf(bucket, true)}</span>}
            </div>
          );
        })}
      </div>
      {compact ? null : (
        <figcaption className="small muted">
          {stats.totals.total} run{stats.totals.total === 1 ? '' : 's'} · {stats.totals.success} succeeded · {stats.totals.failures} failed
          {stats.totals.success_rate !== null ? ` · ${Math.round(stats.totals.success_rate * 100)}% success` : ''}
          {stats.totals.duration.p50_ms !== null ? ` · duration p50 ${formatDuration(stats.totals.duration.p50_ms)}, p95 ${formatDuration(stats.totals.duration.p95_ms)}` : ''}
          {stats.granularity === 'hour' ? (timeZone ? ` (hours in ${timeZone})` : ' (UTC hours)') : ` (days in ${stats.timezone})`}
        </figcaption>
      )}
    </figure>
  );
}

function bucketLabel(key: string, granularity: 'hour' | 'day', short = false): string {
  if (granularity === 'hour') return short ? key.slice(11, 13) : `${key.slice(0, 10)} ${key.slice(11, 13)}:00 UTC`;
  return short ? key.slice(5) : key;
}
