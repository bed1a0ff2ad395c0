import type { Task } from '../../api/client';
import { formatDuration } from '../../format';
import { scheduleSummary } from '../../pages/TaskPage';
import { Link } from '../../router';
import { useTimeDisplay } from '../../time-rule';
import { STATE_LABELS } from './overview-view';
import { RunMarks } from './RunMarks';
import { type OverviewRowData, useLiveRow } from './useOverview';

/** The status dot with its word, so colour is never the only sign. */
export function StateDot({ state }: { state: OverviewRowData['state'] }) {
  return (
    <span className={`state state-${state}`}>
      <span className="state-dot" aria-hidden="true" /> {STATE_LABELS[state]}
    </span>
  );
}

function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 1000) / 10} %`;
}

/** One task of the overview (kept current by live events, see useLiveRow). */
export function TaskRow({ projectId, projectZone, row: pageRow, pageUpdatedAt, index }: { projectId: string; projectZone: string; row: OverviewRowData; pageUpdatedAt: number; index: number }) {
  const row = useLiveRow(projectId, pageRow, pageUpdatedAt);
  const time = useTimeDisplay();
  const slow = row.last_duration_ms !== null && row.p95_ms_7d !== null && row.last_duration_ms > row.p95_ms_7d;
  // In words; its zone goes on the line below, with the next run.
  const schedule = scheduleSummary({ schedule_type: row.schedule_type, schedule_config: row.schedule_config } as unknown as Task).replace(` (${row.timezone})`, '');
  return (
    <tr className={`overview-row row-${row.state}`} aria-rowindex={index} data-task-id={row.task_id}>
      <td data-label="Status">
        <StateDot state={row.state} />
      </td>
      <th scope="row">
        <Link to={`/projects/${projectId}/tasks/${row.task_id}`}>{row.name}</Link>
        {row.tags.map((tag) => (
          <span key={tag} className="tag">
            {tag}
          </span>
        ))}
      </th>
      <td data-label="Mode">{row.mode}</td>
      <td data-label="Last runs">
        <RunMarks row={row} projectId={projectId} />
      </td>
      <td data-label="Schedule, next run" className="small schedule-cell">
        <span className="schedule-words" title={schedule}>
          {schedule}
        </span>
        <span className="muted">
          {row.timezone} · next {row.task_status !== 'ACTIVE' ? 'not scheduled' : row.next_run_at ? time.dateTime(row.next_run_at, row.timezone) : 'none coming'}
        </span>
      </td>
      <td data-label="Last duration" className={slow ? 'slow' : undefined}>
        {formatDuration(row.last_duration_ms)}
        {slow ? <span className="small"> (over p95)</span> : null}
      </td>
      <td data-label="p95, 7 days">{formatDuration(row.p95_ms_7d)}</td>
      <td data-label="Success, 7 days">
        {percent(row.success_rate_7d)} <span className="small muted">({row.runs_7d} run{row.runs_7d === 1 ? '' : 's'})</span>
      </td>
    </tr>
  );
}
