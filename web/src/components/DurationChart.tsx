/** Duration p50 and p95 per bucket over time, as paired bars; the figures are in the labels too. */
import type { StatsRange } from '../api/client';
import { formatDuration } from '../format';

export function DurationChart({ stats }: { stats: StatsRange }) {
  const measured = stats.buckets.filter((b) => b.duration.p95_ms !== null);
  if (measured.length === 0) return <p className="small muted">No finished runs with a duration in this range yet.</p>;
  const max = Math.max(1, ...measured.map((b) => b.duration.p95_ms ?? 0));
  return (
    <figure className="bars" aria-label="Duration p50 and p95 over time">
      <div className="bars-plot">
        {stats.buckets.map((bucket) => {
          const { p50_ms: p50, p95_ms: p95 } = bucket.duration;
          const title =
            p50 === null || p95 === null ? `${bucket.key}: no duration` : `${bucket.key}: duration p50 ${formatDuration(p50)}, p95 ${formatDuration(p95)}`;
          return (
            <div key={bucket.key} className="bar duration-bar" title={title} role="img" aria-label={title}>
              <div className="duration-pair">
                <div className="seg seg-p50" style={{ height: `${((p50 ?? 0) / max) * 100}%` }} />
                <div className="seg seg-p95" style={{ height: `${((p95 ?? 0) / max) * 100}%` }} />
              </div>
            </div>
          );
        })}
      </div>
      <figcaption className="small muted">
        Duration per {stats.granularity}: <span className="legend legend-p50">p50</span> and <span className="legend legend-p95">p95</span>; highest p95 {formatDuration(max)}
      </figcaption>
    </figure>
  );
}
