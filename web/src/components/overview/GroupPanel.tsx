import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { api, type TaskGroup, unwrap } from '../../api/client';
import { ifMatch, isEditConflict, unwrapVersioned, type Versioned } from '../../api/versions';
import { timeZones } from '../../format';
import type { Access } from '../../session';
import { AuditTimeline } from '../AuditTimeline';
import { EditConflict, useEditVersion } from '../EditConflict';
import { OverlapFieldsEditor, overlapDraftOf, overlapFieldsOf } from '../OverlapFields';
import { ConfirmButton, ErrorMessage, Loading, StatusBadge } from '../ui';

/** A group's controls: start/stop, edit, history and delete (its tasks are rows of the overview). */
export function GroupPanel({ group, taskCount, access }: { group: TaskGroup; taskCount: number | null; access: Access }) {
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
      await queryClient.invalidateQueries({ queryKey: ['overview', group.project_id] });
    },
  });
  const window = group.start_time && group.end_time ? `${group.start_time}–${group.end_time} ${group.timezone}` : `all day (${group.timezone})`;
  return (
    <section className="group" aria-label={`Group ${group.name}`}>
      <div className="title-row">
        <h3>
          {group.name} <span className="small muted">group</span>
        </h3>
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
      {panel === 'delete' ? <DeleteGroup group={group} taskCount={taskCount} onCancel={() => setPanel(null)} /> : null}
    </section>
  );
}

export function NewGroup({ projectId }: { projectId: string }) {
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
      await queryClient.invalidateQueries({ queryKey: ['overview', projectId] });
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
function DeleteGroup({ group, taskCount, onCancel }: { group: TaskGroup; taskCount: number | null; onCancel: () => void }) {
  const its = taskCount === null ? 'its tasks' : `its ${taskCount} task${taskCount === 1 ? '' : 's'}`;
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
      await queryClient.invalidateQueries({ queryKey: ['overview', group.project_id] });
    },
  });
  return (
    <div className="card" role="region" aria-label={`Delete group ${group.name}`}>
      <fieldset className="bare">
        <legend>What becomes of {its}?</legend>
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
              ? `Delete the group “${group.name}” and ${its}? This cannot be undone.`
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
