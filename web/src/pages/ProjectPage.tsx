import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { api, FAILURE_STATUSES, type Task, type TaskGroup, unwrap } from '../api/client';
import { ifMatch, isEditConflict, unwrapVersioned, type Versioned } from '../api/versions';
import { AuditTimeline } from '../components/AuditTimeline';
import { EditConflict, useEditVersion } from '../components/EditConflict';
import { FirstRunGuide } from '../components/FirstRunGuide';
import { ConfirmButton, Empty, ErrorMessage, Loading, StatusBadge } from '../components/ui';
import { OverlapFieldsEditor, overlapDraftOf, overlapFieldsOf } from '../components/OverlapFields';
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
        <Link to={`/projects/${projectId}/audit`} className="button">
          Audit log
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
            tasks.data.length === 0 ? (
              <FirstRunGuide projectId={projectId} access={access} />
            ) : (
              <Empty>Every task is in a group.</Empty>
            )
          ) : (
            <TaskTable tasks={ungrouped} />
          )}
        </section>
      ) : null}
    </>
  );
}

function GroupSection({ group, tasks, access }: { group: TaskGroup; tasks: Task[]; access: Access }) {
  const [panel, setPanel] = useState<null | 'edit' | 'delete' | 'history'>(null);
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (action: 'start' | 'stop') =>
      unwrap(
        action === 'start'
          ? api.POST('/projects/{project_id}/task-groups/{group_uuid}/start', { params: { path: { project_id: group.project_id, group_uuid: group.id } } })
          : api.POST('/projects/{project_id}/task-groups/{group_uuid}/stop', { params: { path: { project_id: group.project_id, group_uuid: group.id } } }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['groups', group.project_id] });
      await queryClient.invalidateQueries({ queryKey: ['group', group.id] });
    },
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
          <span className="actions">
            <button type="button" onClick={() => toggle.mutate(group.status === 'ACTIVE' ? 'stop' : 'start')} disabled={toggle.isPending}>
              {group.status === 'ACTIVE' ? 'Stop group' : 'Start group'}
            </button>
            <button type="button" aria-expanded={panel === 'edit'} onClick={() => setPanel(panel === 'edit' ? null : 'edit')}>
              Edit group
            </button>
            <button type="button" aria-expanded={panel === 'history'} onClick={() => setPanel(panel === 'history' ? null : 'history')}>
              History
            </button>
            <button type="button" className="danger" aria-expanded={panel === 'delete'} onClick={() => setPanel(panel === 'delete' ? null : 'delete')}>
              Delete group…
            </button>
          </span>
        ) : null}
      </div>
      <ErrorMessage error={toggle.error} title="Could not change the group" />
      {panel === 'edit' ? <GroupEditor group={group} onDone={() => setPanel(null)} /> : null}
      {panel === 'history' ? (
        <AuditTimeline
          projectId={group.project_id}
          queryKey={['group', group.id, 'audit']}
          load={() => unwrap(api.GET('/task-groups/{group_uuid}/audit', { params: { path: { group_uuid: group.id }, query: { limit: 100 } } }))}
          what="the group's history"
        />
      ) : null}
      {panel === 'delete' ? <DeleteGroup group={group} taskCount={tasks.length} onCancel={() => setPanel(null)} /> : null}
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

/** The first run that fires; when the next few are all held back, the first of them struck through, with why. */
function nextRunOf(occurrences: Array<{ at: string; fires: boolean; skipped_reason: string | null }>) {
  const firing = occurrences.find((o) => o.fires);
  if (firing) return formatDateTime(firing.at);
  const first = occurrences[0];
  if (!first) return 'none';
  return (
    <>
      <s>{formatDateTime(first.at)}</s> <span className="small muted">skipped: {first.skipped_reason}</span>
    </>
  );
}

function TaskRow({ task }: { task: Task }) {
  const next = useQuery({
    queryKey: ['task', task.id, 'next'],
    // A few ahead: the next run is the first that fires (a calendar or a window may hold some back).
    queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks/{task_uuid}/preview', { params: { path: { project_id: task.project_id, task_uuid: task.id }, query: { count: 10 } } })),
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
              : nextRunOf(next.data.occurrences)}
      </td>
      <td data-label="Last result">
        <StatusBadge status={task.last_execution?.status} /> <span className="small muted">{task.last_execution ? formatDateTime(task.last_execution.ended_at ?? task.last_execution.scheduled_at) : ''}</span>
      </td>
    </tr>
  );
}

function NewGroup({ projectId }: { projectId: string }) {
  const [open, setOpen] = useState(false);
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        New group
      </button>
    );
  return <GroupForm projectId={projectId} onDone={() => setOpen(false)} />;
}

/**
 * Edits a group as loaded on opening (with its version): a background refresh of the page does not
 * reset what is typed, and a save over someone else's change is refused and shown as a conflict.
 */
export function GroupEditor({ group, onDone }: { group: TaskGroup; onDone: () => void }) {
  const load = () =>
    unwrapVersioned(api.GET('/projects/{project_id}/task-groups/{group_uuid}', { params: { path: { project_id: group.project_id, group_uuid: group.id } } }));
  // Loaded afresh each time the editor opens (no cached, older version to edit).
  const loaded = useQuery({ queryKey: ['group', group.id, 'versioned'], queryFn: load, gcTime: 0 });
  const [base, setBase] = useState<{ loaded: Versioned<TaskGroup>; count: number } | null>(null);
  useEffect(() => {
    if (loaded.data && !base) setBase({ loaded: loaded.data, count: 0 });
  }, [loaded.data, base]);
  if (loaded.isError) return <ErrorMessage error={loaded.error} title="Could not load the group" />;
  if (!base) return <Loading what="the group" />;
  const reload = async () => {
    const fresh = await load();
    setBase((previous) => ({ loaded: fresh, count: (previous?.count ?? 0) + 1 }));
  };
  return (
    <GroupForm
      key={base.count}
      projectId={group.project_id}
      group={base.loaded.data}
      etag={base.loaded.etag}
      loadCurrent={load}
      onReload={reload}
      onDone={onDone}
    />
  );
}

/** Creates a task group, or edits `group` (a full PUT that keeps its description and status, sent with If-Match: its `etag`). */
function GroupForm({
  projectId,
  group,
  etag = null,
  loadCurrent,
  onReload,
  onDone,
}: {
  projectId: string;
  group?: TaskGroup;
  etag?: string | null;
  loadCurrent?: () => Promise<Versioned<TaskGroup>>;
  onReload?: () => Promise<void>;
  onDone: () => void;
}) {
  const id = useId();
  const [name, setName] = useState(group?.name ?? '');
  const [start, setStart] = useState(group?.start_time ?? '');
  const [end, setEnd] = useState(group?.end_time ?? '');
  const [timezone, setTimezone] = useState(group?.timezone ?? 'UTC');
  const [overlap, setOverlap] = useState(() => overlapDraftOf(group));
  const zones = useMemo(() => timeZones(), []);
  const queryClient = useQueryClient();
  const version = useEditVersion(etag, loadCurrent ?? (() => Promise.reject(new Error('nothing to compare'))));
  const body = { name, start_time: start || null, end_time: end || null, timezone, ...overlapFieldsOf(overlap) };
  const save = useMutation({
    // Fields the form does not show come from the version being saved over.
    mutationFn: ({ over, unedited = version.adopted ?? group }: { over: string | null; unedited?: TaskGroup }) =>
      group && unedited
        ? unwrap(
            api.PUT('/projects/{project_id}/task-groups/{group_uuid}', {
              params: { path: { project_id: projectId, group_uuid: group.id } },
              body: { ...body, description: unedited.description, status: unedited.status },
              headers: ifMatch(over),
            }),
          )
        : unwrap(api.POST('/projects/{project_id}/task-groups', { params: { path: { project_id: projectId } }, body })),
    onSuccess: async (saved) => {
      onDone();
      await queryClient.invalidateQueries({ queryKey: ['groups', projectId] });
      await queryClient.invalidateQueries({ queryKey: ['group', saved.id] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ over: version.version });
  };
  const overwrite = () => {
    const adopted = version.adoptCurrent();
    if (adopted) save.mutate({ over: adopted.etag, unedited: adopted.data });
  };
  const current = version.current?.data;
  const title = group ? `Edit group ${group.name}` : 'New task group';
  return (
    <form className="card" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
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
      <OverlapFieldsEditor value={overlap} onChange={setOverlap} inheritLabel="The project's policy" concurrencyLabel="Runs of all the group's tasks open at once (empty: no limit)" />
      <EditConflict
        error={save.error}
        what="group"
        fields={
          current
            ? [
                { label: 'Name', mine: body.name, current: current.name },
                { label: 'Window start', mine: body.start_time, current: current.start_time },
                { label: 'Window end', mine: body.end_time, current: current.end_time },
                { label: 'Time zone', mine: body.timezone, current: current.timezone },
                { label: 'Overlap policy', mine: body.overlap_policy, current: current.overlap_policy },
                { label: 'Runs open at once', mine: body.max_concurrent, current: current.max_concurrent },
              ]
            : null
        }
        loadError={version.loadError}
        onReload={() => void onReload?.()}
        onCompare={() => void version.compare()}
        onOverwrite={overwrite}
      />
      {save.error && !isEditConflict(save.error) ? <ErrorMessage error={save.error} title={group ? 'Could not save the group' : 'Could not create the group'} /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {group ? 'Save group' : 'Create group'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Deletes a group after asking what becomes of its tasks, and a confirmation. */
function DeleteGroup({ group, taskCount, onCancel }: { group: TaskGroup; taskCount: number; onCancel: () => void }) {
  const id = useId();
  const [tasks, setTasks] = useState<'detach' | 'delete'>('detach');
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () =>
      unwrap(
        api.DELETE('/projects/{project_id}/task-groups/{group_uuid}', {
          params: { path: { project_id: group.project_id, group_uuid: group.id }, query: { tasks } },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['groups', group.project_id] });
      await queryClient.invalidateQueries({ queryKey: ['tasks', group.project_id] });
    },
  });
  return (
    <div className="card" role="region" aria-label={`Delete group ${group.name}`}>
      <fieldset className="bare">
        <legend>What becomes of its {taskCount} task{taskCount === 1 ? '' : 's'}?</legend>
        <label className="checkbox" htmlFor={`${id}-detach`}>
          <input id={`${id}-detach`} type="radio" name={`${id}-tasks`} checked={tasks === 'detach'} onChange={() => setTasks('detach')} /> Keep them, without a group
        </label>
        <label className="checkbox" htmlFor={`${id}-delete`}>
          <input id={`${id}-delete`} type="radio" name={`${id}-tasks`} checked={tasks === 'delete'} onChange={() => setTasks('delete')} /> Delete them too
        </label>
      </fieldset>
      <ErrorMessage error={remove.error} title="Could not delete the group" />
      <div className="actions">
        <ConfirmButton
          label={remove.isPending ? 'Deleting…' : 'Delete group'}
          disabled={remove.isPending}
          question={
            tasks === 'delete'
              ? `Delete the group “${group.name}” and its ${taskCount} task(s)? This cannot be undone.`
              : `Delete the group “${group.name}”? Its tasks are kept, without a group.`
          }
          onConfirm={() => remove.mutate()}
        />
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
