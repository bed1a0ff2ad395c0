import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { api, FAILURE_STATUSES, type Task, type TaskGroup, unwrap } from '../api/client';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/ui';
import { formatDateTime, timeZones } from '../format';
import { useLiveUpdates, type LiveState } from '../live';
import { Link } from '../router';
import type { Access } from '../session';

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

export function ProjectPage({ projectId, access }: { projectId: string; access: Access }) {
  const project = useProject(projectId);
  const live = useLiveUpdates(projectId);
  const tasks = useQuery({ queryKey: ['tasks', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks', { params: { path: { project_id: projectId } } })) });
  const groups = useQuery({ queryKey: ['groups', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/task-groups', { params: { path: { project_id: projectId } } })) });

  if (project.isPending) return <Loading what="the project" />;
  if (project.isError) return <ErrorMessage error={project.error} title="Could not load the project" />;
  const failingNow = tasks.data?.filter((t) => t.last_execution && FAILURE_STATUSES.includes(t.last_execution.status)).length ?? 0;
  const ungrouped = tasks.data?.filter((t) => !t.task_group_id || !groups.data?.some((g) => g.id === t.task_group_id)) ?? [];

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Projects</Link> /
      </nav>
      <div className="title-row">
        <h1>{project.data.name}</h1>
        <LiveIndicator state={live} />
      </div>
      <p className="muted small">
        Zone {project.data.timezone} · {tasks.data ? `${tasks.data.length} tasks` : '…'} ·{' '}
        <span className={failingNow ? 'badge badge-bad' : 'badge badge-good'}>{failingNow} failing now</span>
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
      </div>
      {access.canEdit ? <NewGroup projectId={projectId} /> : null}

      {tasks.isPending || groups.isPending ? <Loading what="tasks and groups" /> : null}
      <ErrorMessage error={tasks.error} title="Could not load the tasks" />
      <ErrorMessage error={groups.error} title="Could not load the task groups" />

      {groups.data?.map((group) => (
        <GroupSection key={group.id} group={group} tasks={tasks.data?.filter((t) => t.task_group_id === group.id) ?? []} access={access} />
      ))}

      {tasks.data ? (
        <section aria-labelledby="ungrouped-title">
          <h2 id="ungrouped-title">{groups.data?.length ? 'Tasks without a group' : 'Tasks'}</h2>
          {ungrouped.length === 0 ? (
            <Empty>{tasks.data.length === 0 ? `No tasks yet.${access.canEdit ? ' Create one with “New task”.' : ''}` : 'Every task is in a group.'}</Empty>
          ) : (
            <TaskTable tasks={ungrouped} />
          )}
        </section>
      ) : null}
    </>
  );
}

function GroupSection({ group, tasks, access }: { group: TaskGroup; tasks: Task[]; access: Access }) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (action: 'start' | 'stop') =>
      unwrap(
        action === 'start'
          ? api.POST('/projects/{project_id}/task-groups/{group_uuid}/start', { params: { path: { project_id: group.project_id, group_uuid: group.id } } })
          : api.POST('/projects/{project_id}/task-groups/{group_uuid}/stop', { params: { path: { project_id: group.project_id, group_uuid: group.id } } }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['groups', group.project_id] }),
  });
  const window = group.start_time && group.end_time ? `${group.start_time}–${group.end_time} ${group.timezone}` : `all day (${group.timezone})`;
  return (
    <section className="group" aria-label={`Group ${group.name}`}>
      <div className="title-row">
        <h2>
          {group.name} <span className="small muted">group</span>
        </h2>
        <span className="small">
          <StatusBadge status={group.status} /> window {window} · {group.state === 'RUNNING' ? 'window open' : 'window closed'}
        </span>
        {access.canEdit ? (
          <button type="button" onClick={() => toggle.mutate(group.status === 'ACTIVE' ? 'stop' : 'start')} disabled={toggle.isPending}>
            {group.status === 'ACTIVE' ? 'Stop group' : 'Start group'}
          </button>
        ) : null}
      </div>
      <ErrorMessage error={toggle.error} title="Could not change the group" />
      {tasks.length === 0 ? <Empty>No tasks in this group.</Empty> : <TaskTable tasks={tasks} />}
    </section>
  );
}

function TaskTable({ tasks }: { tasks: Task[] }) {
  return (
    <div className="table-wrap">
      <table className="tasks">
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Status</th>
            <th scope="col">Mode</th>
            <th scope="col">Next run</th>
            <th scope="col">Last result</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => (
            <TaskRow key={task.id} task={task} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TaskRow({ task }: { task: Task }) {
  const next = useQuery({
    queryKey: ['task', task.id, 'next'],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks/{task_uuid}/preview', { params: { path: { project_id: task.project_id, task_uuid: task.id }, query: { count: 1 } } })),
    enabled: task.status === 'ACTIVE',
  });
  const failing = task.last_execution && FAILURE_STATUSES.includes(task.last_execution.status);
  return (
    <tr>
      <th scope="row">
        <Link to={`/projects/${task.project_id}/tasks/${task.id}`}>{task.name}</Link>
        {failing ? <span className="badge badge-bad">failing</span> : null}
      </th>
      <td data-label="Status">
        <StatusBadge status={task.status} />
      </td>
      <td data-label="Mode">{task.execution_mode}</td>
      <td data-label="Next run">
        {task.status !== 'ACTIVE'
          ? 'not scheduled'
          : next.isPending
            ? '…'
            : next.isError
              ? 'unknown'
              : next.data.occurrences[0]
                ? formatDateTime(next.data.occurrences[0].at)
                : 'none'}
      </td>
      <td data-label="Last result">
        <StatusBadge status={task.last_execution?.status} /> <span className="small muted">{task.last_execution ? formatDateTime(task.last_execution.ended_at ?? task.last_execution.scheduled_at) : ''}</span>
      </td>
    </tr>
  );
}

function NewGroup({ projectId }: { projectId: string }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [timezone, setTimezone] = useState('UTC');
  const zones = useMemo(() => timeZones(), []);
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/projects/{project_id}/task-groups', { params: { path: { project_id: projectId } }, body: { name, start_time: start || null, end_time: end || null, timezone } })),
    onSuccess: async () => {
      setOpen(false);
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['groups', projectId] });
    },
  });
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        New group
      </button>
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="card" onSubmit={submit} aria-label="New task group">
      <h2>New task group</h2>
      <div className="row">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="row-pair">
        <div className="row">
          <label htmlFor={`${id}-start`}>Window start (optional)</label>
          <input id={`${id}-start`} type="time" value={start} onChange={(e) => setStart(e.target.value)} />
        </div>
        <div className="row">
          <label htmlFor={`${id}-end`}>Window end</label>
          <input id={`${id}-end`} type="time" value={end} onChange={(e) => setEnd(e.target.value)} />
        </div>
      </div>
      <div className="row">
        <label htmlFor={`${id}-tz`}>Time zone of the window</label>
        <input id={`${id}-tz`} list={`${id}-zones`} value={timezone} onChange={(e) => setTimezone(e.target.value)} />
        <datalist id={`${id}-zones`}>
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </div>
      <ErrorMessage error={create.error} title="Could not create the group" />
      <div className="actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          Create group
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
