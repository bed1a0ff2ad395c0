/** A ranked list of a project's tasks over a range: the most failing, or the slowest by p95. */
import type { Schemas } from '../api/client';
import { formatDuration } from '../format';
import { Link } from '../router';
import { percent } from './stats-chart-model';
import { Empty } from './ui';

type TaskStatsList = Schemas['TaskStatsList'];

export function TaskStatsTable({ projectId, list, kind }: { projectId: string; list: TaskStatsList; kind: 'failures' | 'p95' }) {
  if (list.tasks.length === 0) return <Empty>{kind === 'failures' ? 'No task failed in this range.' : 'No run ended with a duration in this range.'}</Empty>;
  return (
    <>
      <div className="stats-scroll" role="region" aria-label={kind === 'failures' ? 'Top failing tasks, table' : 'Slowest tasks, table'} tabIndex={0}>
      <table data-testid={kind === 'failures' ? 'top-failing' : 'slowest'}>
        <thead>
          <tr>
            <th scope="col">Task</th>
            {kind === 'failures' ? (
              <>
                <th scope="col">Failures</th>
                <th scope="col">Failure rate</th>
                <th scope="col">Missed</th>
                <th scope="col">Timed out</th>
              </>
            ) : (
              <>
                <th scope="col">p95</th>
                <th scope="col">p50</th>
                <th scope="col">Longest</th>
              </>
            )}
            <th scope="col">Runs</th>
          </tr>
        </thead>
        <tbody>
          {list.tasks.map((task) => (
            <tr key={task.task_id}>
              <th scope="row">
                <Link to={`/projects/${projectId}/tasks/${task.task_id}`}>{task.name}</Link>
              </th>
              {kind === 'failures' ? (
                <>
                  <td>{task.failures}</td>
                  <td>{percent(task.failure_rate)}</td>
                  <td>{task.missed}</td>
                  <td>{task.timed_out}</td>
                </>
              ) : (
                <>
                  <td>{formatDuration(task.duration.p95_ms)}</td>
                  <td>{formatDuration(task.duration.p50_ms)}</td>
                  <td>{formatDuration(task.duration.max_ms)}</td>
                </>
              )}
              <td>{task.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      {list.qualifying > list.tasks.length ? (
        <p className="muted small">
          The first {list.tasks.length} of {list.qualifying} tasks.
        </p>
      ) : null}
    </>
  );
}
