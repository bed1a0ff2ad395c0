import { type FocusEvent, type MouseEvent, useState } from 'react';
import { formatDuration } from '../../format';
import { Link } from '../../router';
import { useTimeDisplay } from '../../time-rule';
import type { OverviewRowData } from './useOverview';

type Run = OverviewRowData['runs'][number];

/** The colour family of a run's outcome (Overview.css maps each to a theme colour). */
export function toneOf(status: Run['status']): 'good' | 'bad' | 'busy' | 'warn' | 'neutral' {
  if (status === 'SUCCESS') return 'good';
  if (status === 'FAILED' || status === 'TIMED_OUT' || status === 'MISSED') return 'bad';
  if (status === 'RUNNING' || status === 'PENDING' || status === 'QUEUED') return 'busy';
  if (status === 'RETRYING') return 'warn';
  return 'neutral';
}

const OUTCOME: Record<Run['status'], string> = {
  SUCCESS: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  MISSED: 'missed',
  CANCELLED: 'cancelled',
  SKIPPED: 'skipped',
  RUNNING: 'running',
  PENDING: 'pending',
  QUEUED: 'queued',
  RETRYING: 'retrying',
};

/**
 * A task's last runs, oldest to newest from left to right, one small coloured mark each: a link to
 * the run on the task page, named for screen readers; hover or focus shows when (with its zone), the
 * outcome and the duration in a tip placed over the page (never clipped by the scrolling list).
 */
export function RunMarks({ row, projectId }: { row: OverviewRowData; projectId: string }) {
  const time = useTimeDisplay();
  const [tip, setTip] = useState<{ run: Run; left: number; top: number } | null>(null);
  const show = (run: Run) => (event: MouseEvent<HTMLElement> | FocusEvent<HTMLElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    setTip({ run, left: box.left + box.width / 2, top: box.top });
  };
  const describe = (run: Run) =>
    `${OUTCOME[run.status]}, ${time.dateTime(run.scheduled_at, row.timezone)}${run.duration_ms === null ? '' : `, took ${formatDuration(run.duration_ms)}`}`;
  if (row.runs.length === 0) return <span className="small muted">no runs yet</span>;
  const oldestFirst = [...row.runs].reverse();
  return (
    <span className="run-marks" onMouseLeave={() => setTip(null)}>
      {oldestFirst.map((run) => (
        <Link
          key={run.execution_id}
          to={`/projects/${projectId}/tasks/${row.task_id}?run=${run.execution_id}`}
          className={`run-mark run-${toneOf(run.status)}`}
          aria-label={`Run ${describe(run)}`}
          data-status={run.status}
          onMouseEnter={show(run)}
          onFocus={show(run)}
          onBlur={() => setTip(null)}
        />
      ))}
      {tip ? (
        <span className="run-tip" role="tooltip" style={{ left: tip.left, top: tip.top }}>
          <strong>{tip.run.status.replace('_', ' ')}</strong> · {time.dateTime(tip.run.scheduled_at, row.timezone)}
          <br />
          {tip.run.duration_ms === null ? 'no duration' : `took ${formatDuration(tip.run.duration_ms)}`} · {tip.run.trigger_type.toLowerCase().replace('_', '-')}
        </span>
      ) : null}
    </span>
  );
}
