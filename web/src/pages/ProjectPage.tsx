import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { api, unwrap } from '../api/client';
import { FirstRunGuide } from '../components/FirstRunGuide';
import { GroupPanel, NewGroup } from '../components/overview/GroupPanel';
import { OverviewFilters } from '../components/overview/OverviewFilters';
import { OverviewTable } from '../components/overview/OverviewTable';
import { isFiltered, type OverviewSort } from '../components/overview/overview-view';
import { useOverviewPages, useOverviewView } from '../components/overview/useOverview';
import { Empty, ErrorMessage, Loading } from '../components/ui';
import { useLiveUpdates, type LiveState } from '../live';
import { Link } from '../router';
import type { Access } from '../session';
import '../components/overview/Overview.css';

export { GroupEditor } from '../components/overview/GroupPanel';

export function useProject(projectId: string) {
  return useQuery({ queryKey: ['project', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}', { params: { path: { project_id: projectId } } })) });
}

export function LiveIndicator({ state }: { state: LiveState }) {
  const text = { connecting: 'connecting to live updates…', live: 'live', reconnecting: 'live updates lost, reconnecting…', unavailable: 'live updates unavailable; reload to refresh' }[state];
  return (
    <span className={`live live-${state}`} role="status" data-testid="live-state">
      ● {text}
    </span>
  );
}

/**
 * The project at a glance: every task with its state, last runs, schedule and figures (worst first),
 * searchable and filterable with the view in the address, live; then the groups' controls.
 */
export function ProjectPage({ projectId, access }: { projectId: string; access: Access }) {
  const project = useProject(projectId);
  const live = useLiveUpdates(projectId);
  const [view, setView] = useOverviewView();
  const overview = useOverviewPages(projectId, view);
  const groups = useQuery({ queryKey: ['groups', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/task-groups', { params: { path: { project_id: projectId } } })) });
  const { fetchNextPage, hasNextPage, isFetchingNextPage } = overview;
  const loadMore = useCallback(() => {
    if (!isFetchingNextPage) void fetchNextPage();
  }, [fetchNextPage, isFetchingNextPage]);
  const onSort = useCallback((sort: OverviewSort, order: 'asc' | 'desc') => setView({ sort, order }), [setView]);
  const pages = useMemo(() => overview.data?.pages.map((page) => ({ rows: page.rows, updatedAt: overview.dataUpdatedAt })) ?? [], [overview.data, overview.dataUpdatedAt]);

  if (project.isPending) return <Loading what="the project" />;
  if (project.isError) return <ErrorMessage error={project.error} title="Could not load the project" />;
  const first = overview.data?.pages[0];
  const attention = first?.groups.reduce((sum, group) => sum + group.attention, 0) ?? 0;
  const noTasks = first !== undefined && first.total === 0 && !isFiltered(view);

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Projects</Link> /
      </nav>
      <div className="title-row">
        <h1>{project.data.name}</h1>
        <LiveIndicator state={live} />
      </div>
      <p className="muted small" data-testid="overview-summary">
        Zone {project.data.timezone} · {first ? `${first.total} task${first.total === 1 ? '' : 's'}${isFiltered(view) ? ' match' : ''}` : '…'} ·{' '}
        <span className={attention ? 'badge badge-bad' : 'badge badge-good'}>{attention} failing, late or missed</span>
      </p>
      <div className="actions">
        {access.canEdit ? (
          <Link to={`/projects/${projectId}/tasks/new`} className="button primary">
            New task
          </Link>
        ) : null}
        <Link to={`/projects/${projectId}/settings`} className="button">
          {access.isAdmin ? 'Settings, members and keys' : 'Project details'}
        </Link>
        <Link to={`/projects/${projectId}/stats`} className="button">
          Statistics
        </Link>
        <Link to={`/projects/${projectId}/audit`} className="button">
          Audit log
        </Link>
      </div>
      {access.canEdit ? <NewGroup projectId={projectId} /> : null}

      <section aria-labelledby="overview-title">
        <h2 id="overview-title">Tasks</h2>
        {noTasks ? null : <OverviewFilters view={view} onChange={setView} groups={groups.data ?? []} tags={first?.tags ?? []} />}
        {overview.isPending ? <Loading what="tasks" /> : null}
        <ErrorMessage error={overview.error} title="Could not load the tasks" />
        {noTasks ? <FirstRunGuide projectId={projectId} access={access} /> : null}
        {first && first.total === 0 && !noTasks ? <Empty>No task matches these filters.</Empty> : null}
        {first && first.total > 0 ? (
          <OverviewTable
            projectId={projectId}
            projectZone={first.timezone}
            pages={pages}
            groups={first.groups}
            view={view}
            onSort={onSort}
            hasMore={Boolean(hasNextPage)}
            loadMore={loadMore}
          />
        ) : null}
      </section>

      <ErrorMessage error={groups.error} title="Could not load the task groups" />
      {groups.data?.length ? (
        <section aria-labelledby="groups-title">
          <h2 id="groups-title">Task groups</h2>
          {groups.data.map((group) => (
            <GroupPanel
              key={group.id}
              group={group}
              taskCount={isFiltered(view) ? null : (first?.groups.find((g) => g.id === group.id)?.tasks ?? (first ? 0 : null))}
              access={access}
            />
          ))}
        </section>
      ) : null}
    </>
  );
}
