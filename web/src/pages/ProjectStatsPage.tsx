/**
 * A project's statistics over a chosen range: runs and failures per hour or day across every task, the
 * tasks failing most, the slowest by p95, and the missed and timed-out runs. Everything comes from the
 * pre-aggregated stats (GET …/stats and …/stats/tasks), never from the execution history. The range is
 * in the address (`?range=`), so a view can be shared.
 */
import { useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../api/client';
import { StatsChart } from '../components/StatsChart';
import { TaskStatsTable } from '../components/TaskStatsTable';
import { RANGES, type RangeName, type RangeQuery, rangeNamed, rangeQuery } from '../components/stats-chart-model';
import { ErrorMessage, Loading } from '../components/ui';
import { Link, useSearch } from '../router';
import { useTimeDisplay } from '../time-rule';
import './ProjectStatsPage.css';

type TaskStatsSort = Schemas['TaskStatsSort'];
const LIST_SIZE = 10;

/** The one place this page fetches; `tz` (days of another zone) is passed through here when chosen. */
function useProjectStats(projectId: string, zone: string | undefined, query: RangeQuery | null, shown: { zone: string; query: RangeQuery } | null) {
  const enabled = Boolean(zone && query);
  // The chart's days follow the time rule (the shown zone); the ranked lists count the project's days.
  const seriesQuery = shown && (shown.query.granularity === 'day' ? { ...shown.query, tz: shown.zone } : shown.query);
  const series = useQuery({
    queryKey: ['project-stats', projectId, seriesQuery],
    enabled,
    queryFn: () => unwrap(api.GET('/projects/{project_id}/stats', { params: { path: { project_id: projectId }, query: { ...seriesQuery! } } })),
  });
  const ranked = (sort: TaskStatsSort) => ({
    queryKey: ['project-task-stats', projectId, query, sort],
    enabled,
    queryFn: () => unwrap(api.GET('/projects/{project_id}/stats/tasks', { params: { path: { project_id: projectId }, query: { ...query!, sort, limit: LIST_SIZE } } })),
  });
  const failing = useQuery(ranked('failures'));
  const slowest = useQuery(ranked('p95'));
  return { series, failing, slowest };
}

export function ProjectStatsPage({ projectId }: { projectId: string }) {
  const search = new URLSearchParams(useSearch());
  const range = rangeNamed(search.get('range'));
  const project = useQuery({ queryKey: ['project', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}', { params: { path: { project_id: projectId } } })) });
  const zone = project.data?.timezone ?? undefined;
  const time = useTimeDisplay();
  const query = zone ? rangeQuery(range, zone) : null;
  const shownZone = time.zoneFor(zone);
  const shown = zone ? { zone: shownZone, query: rangeQuery(range, shownZone) } : null;
  const { series, failing, slowest } = useProjectStats(projectId, zone, query, shown);
  const rangeLabel = RANGES.find((r) => r.name === range)!.label;
  const totals = series.data?.totals;

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Projects</Link> / <Link to={`/projects/${projectId}`}>{project.data?.name ?? 'Project'}</Link> /
      </nav>
      <h1>Statistics</h1>
      <ErrorMessage error={project.error} title="Could not load the project" />
      <nav className="stats-ranges" aria-label="Range">
        {RANGES.map((r) => (
          <Link key={r.name} to={rangeAddress(projectId, r.name)} className={r.name === range ? 'button primary' : 'button'} aria-current={r.name === range ? 'page' : undefined}>
            {r.label}
          </Link>
        ))}
      </nav>
      <section className="card" aria-labelledby="stats-runs">
        <h2 id="stats-runs">Runs and failures, {rangeLabel.toLowerCase()}</h2>
        {series.isPending && series.fetchStatus !== 'idle' ? <Loading what="the stats" /> : null}
        <ErrorMessage error={series.error} title="Could not load the stats" />
        {totals ? (
          <p data-testid="stats-totals">
            <strong>{totals.total}</strong> run{totals.total === 1 ? '' : 's'} · <strong>{totals.success}</strong> succeeded · <strong>{totals.failed + totals.timed_out}</strong> failed or timed out ·{' '}
            <strong>{totals.missed}</strong> missed{totals.in_progress ? ` · ${totals.in_progress} in progress` : ''}
          </p>
        ) : null}
        {series.data && zone ? <StatsChart stats={series.data} projectZone={zone} title={range === '24h' ? 'Runs per hour' : 'Runs per day'} /> : null}
      </section>
      <div className="stats-lists">
        <section className="card" aria-labelledby="stats-failing">
          <h2 id="stats-failing">Top failing tasks</h2>
          <ErrorMessage error={failing.error} title="Could not load the failing tasks" />
          {failing.data ? <TaskStatsTable projectId={projectId} list={failing.data} kind="failures" /> : null}
        </section>
        <section className="card" aria-labelledby="stats-slowest">
          <h2 id="stats-slowest">Slowest tasks by p95 duration</h2>
          <ErrorMessage error={slowest.error} title="Could not load the slowest tasks" />
          {slowest.data ? <TaskStatsTable projectId={projectId} list={slowest.data} kind="p95" /> : null}
        </section>
      </div>
      <section className="card" aria-labelledby="stats-missed">
        <h2 id="stats-missed">Missed and late runs</h2>
        {totals ? (
          <dl className="stats-missed" data-testid="stats-missed">
            <div>
              <dt>Missed</dt>
              <dd>{totals.missed}</dd>
            </div>
            <div>
              <dt>Timed out</dt>
              <dd>{totals.timed_out}</dd>
            </div>
          </dl>
        ) : null}
        <p className="muted small">
          A run is missed when it did not start within its task&apos;s start deadline (or the scheduler was down at its tick), and timed out when it ran past its
          timeout. A run that started late but within its deadline is not counted here: it raises the task&apos;s late-start alert when one is set, and lateness is not
          aggregated.
        </p>
      </section>
    </>
  );
}

export function rangeAddress(projectId: string, range: RangeName): string {
  return `/projects/${projectId}/stats${range === '7d' ? '' : `?range=${range}`}`;
}
