import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api, type CreateTaskBody, type Task, type TaskGroup, unwrap } from '../api/client';
import { ifMatch, isEditConflict, unwrapVersioned, type Versioned } from '../api/versions';
import { draftOf, emptyDraft, ScheduleEditor, type ScheduleDraft, scheduleConfigOf } from '../components/ScheduleEditor';
import { AlertPolicyFields, alertDraftOf, alertPolicyOf } from '../components/AlertPolicyFields';
import { DurationAlertFields, durationAlertsOf, durationDraftOf } from '../components/DurationAlertFields';
import { OverlapFieldsEditor, overlapDraftOf, overlapFieldsOf } from '../components/OverlapFields';
import { CalendarFields } from '../components/CalendarFields';
import { RetryFields, retryDraftOf, retryOf } from '../components/RetryFields';
import { type ComparedField, EditConflict, useEditVersion } from '../components/EditConflict';
import { ErrorMessage, Loading } from '../components/ui';
import { Link, navigate } from '../router';
import type { Access } from '../session';
import { TagsField, tagsOf } from '../components/overview/TagsField';
import { useProject } from './ProjectPage';

interface TaskFields {
  name: string;
  task_group_id: string;
  execution_mode: '' | 'push' | 'pull' | 'external';
  status: 'ACTIVE' | 'DISABLED';
  timeout_seconds: string;
  start_deadline_seconds: string;
  /** Comma- or space-separated; the server checks each (lowercase slugs). */
  tags: string;
}

function fieldsOf(task: Task | undefined): TaskFields {
  return {
    name: task?.name ?? '',
    task_group_id: task?.task_group_id ?? '',
    execution_mode: task?.execution_mode ?? '',
    status: task?.status === 'DISABLED' ? 'DISABLED' : 'ACTIVE',
    timeout_seconds: task?.timeout_seconds ? String(task.timeout_seconds) : '',
    start_deadline_seconds: task?.start_deadline_seconds ? String(task.start_deadline_seconds) : '',
    tags: (task?.tags ?? []).join(', '),
  };
}

const optionalInt = (text: string) => (text.trim() === '' ? null : Number(text));

/** The fields of a task that the form edits, as a PUT body has them (to compare with the current task). */
const EDITED: Array<[keyof CreateTaskBody, string]> = [
  ['name', 'Name'],
  ['task_group_id', 'Group'],
  ['status', 'Status'],
  ['execution_mode', 'Execution mode'],
  ['schedule_type', 'Schedule type'],
  ['schedule_config', 'Schedule'],
  ['timeout_seconds', 'Timeout (seconds)'],
  ['start_deadline_seconds', 'Start deadline (seconds)'],
  ['alert_policy', 'Alert policy'],
  ['tags', 'Tags'],
  ['duration_alerts', 'Duration and lateness alerts'],
  ['overlap_policy', 'Overlap policy'],
  ['max_queued', 'Ticks that may wait'],
  ['max_concurrent', 'Runs open at once'],
  ['calendar', 'Calendar'],
  ['retry', 'Retries'],
];

function compared(mine: CreateTaskBody, current: Task, groups: TaskGroup[] | undefined): ComparedField[] {
  const groupName = (id: unknown) => (id ? (groups?.find((g) => g.id === id)?.name ?? id) : null);
  return EDITED.map(([key, label]) =>
    key === 'task_group_id'
      ? { label, mine: groupName(mine.task_group_id), current: groupName(current.task_group_id) }
      : { label, mine: mine[key], current: current[key as keyof Task] },
  );
}

export function TaskFormPage({ projectId, taskId, access }: { projectId: string; taskId?: string; access: Access }) {
  const project = useProject(projectId);
  const load = () => unwrapVersioned(api.GET('/projects/{project_id}/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: taskId! } } }));
  // Loaded afresh each time the form opens (no cached, older version to edit).
  const task = useQuery({ queryKey: ['task', taskId, 'versioned'], queryFn: load, enabled: taskId !== undefined, gcTime: 0 });
  // The version the form edits: the first one loaded, replaced only when the person reloads (a refetch
  // in the background must not reset what they typed).
  const [base, setBase] = useState<{ loaded: Versioned<Task>; count: number } | null>(null);
  useEffect(() => {
    if (task.data && !base) setBase({ loaded: task.data, count: 0 });
  }, [task.data, base]);
  if (!access.canEdit) return <p role="alert">Your role ({access.label || 'none'}) can view this project's tasks but not create or change them.</p>;
  if (task.isError) return <ErrorMessage error={task.error} title="Could not load the task" />;
  if (project.isPending || (taskId && !base)) return <Loading what="the task" />;
  if (project.isError) return <ErrorMessage error={project.error} title="Could not load the project" />;
  const reload = async () => {
    const loaded = await load();
    setBase((previous) => ({ loaded, count: (previous?.count ?? 0) + 1 }));
  };
  return (
    <TaskForm
      key={base?.count ?? 0}
      projectId={projectId}
      task={base?.loaded.data}
      etag={base?.loaded.etag ?? null}
      loadCurrent={load}
      onReload={reload}
      defaultZone={project.data.timezone}
    />
  );
}

function TaskForm({
  projectId,
  task,
  etag,
  loadCurrent,
  onReload,
  defaultZone,
}: {
  projectId: string;
  task?: Task;
  etag: string | null;
  loadCurrent: () => Promise<Versioned<Task>>;
  onReload: () => Promise<void>;
  defaultZone: string;
}) {
  const id = useId();
  const [fields, setFields] = useState<TaskFields>(() => fieldsOf(task));
  const [schedule, setSchedule] = useState<ScheduleDraft>(() => (task ? draftOf(task.schedule_type, task.schedule_config) : emptyDraft(defaultZone)));
  const [alerts, setAlerts] = useState(() => alertDraftOf(task?.alert_policy));
  const [durations, setDurations] = useState(() => durationDraftOf(task?.duration_alerts));
  const [overlap, setOverlap] = useState(() => overlapDraftOf(task));
  const [calendar, setCalendar] = useState(() => task?.calendar ?? null);
  const [retry, setRetry] = useState(() => retryDraftOf(task?.retry));
  useEffect(() => setFields(fieldsOf(task)), [task]);
  const groups = useQuery({ queryKey: ['groups', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/task-groups', { params: { path: { project_id: projectId } } })) });
  const queryClient = useQueryClient();
  const set = <K extends keyof TaskFields>(key: K, value: TaskFields[K]) => setFields({ ...fields, [key]: value });

  const version = useEditVersion(etag, loadCurrent);
  // Fields the form does not show come from the version being saved over.
  const bodyOf = (unedited: Task | undefined = version.adopted ?? task): CreateTaskBody => ({
    name: fields.name.trim(),
    description: unedited?.description ?? null,
    schedule_type: schedule.schedule_type,
    schedule_config: scheduleConfigOf(schedule),
    status: fields.status,
    task_group_id: fields.task_group_id || null,
    execution_mode: fields.execution_mode || null,
    timeout_seconds: optionalInt(fields.timeout_seconds),
    start_deadline_seconds: optionalInt(fields.start_deadline_seconds),
    metadata: unedited?.metadata ?? null,
    alert_policy: alertPolicyOf(alerts),
    tags: tagsOf(fields.tags),
    duration_alerts: durationAlertsOf(durations),
    ...overlapFieldsOf(overlap),
    calendar,
    retry: retryOf(retry),
  });
  const save = useMutation({
    mutationFn: async ({ over, unedited }: { over: string | null; unedited?: Task }) => {
      const body = bodyOf(unedited);
      return task
        ? unwrap(
            api.PUT('/projects/{project_id}/tasks/{task_uuid}', {
              params: { path: { project_id: projectId, task_uuid: task.id } },
              body,
              headers: ifMatch(over),
            }),
          )
        : unwrap(api.POST('/projects/{project_id}/tasks', { params: { path: { project_id: projectId } }, body }));
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['tasks', projectId] });
      await queryClient.invalidateQueries({ queryKey: ['task', saved.id] });
      navigate(`/projects/${projectId}/tasks/${saved.id}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ over: version.version });
  };
  const overwrite = () => {
    const current = version.adoptCurrent();
    if (current) save.mutate({ over: current.etag, unedited: current.data });
  };

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Projects</Link> / <Link to={`/projects/${projectId}`}>Project</Link> /
      </nav>
      <h1>{task ? `Edit ${task.name}` : 'New task'}</h1>
      <form className="task-form" onSubmit={submit} aria-label={task ? 'Edit task' : 'New task'}>
        <div className="row">
          <label htmlFor={`${id}-name`}>Name (executors route by it)</label>
          <input id={`${id}-name`} required maxLength={255} value={fields.name} onChange={(e) => set('name', e.target.value)} />
        </div>
        <div className="row-pair">
          <div className="row">
            <label htmlFor={`${id}-group`}>Group</label>
            <select id={`${id}-group`} value={fields.task_group_id} onChange={(e) => set('task_group_id', e.target.value)}>
              <option value="">No group</option>
              {groups.data?.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </div>
          <div className="row">
            <label htmlFor={`${id}-status`}>Status</label>
            <select id={`${id}-status`} value={fields.status} onChange={(e) => set('status', e.target.value as TaskFields['status'])}>
              <option value="ACTIVE">Active (scheduled)</option>
              <option value="DISABLED">Disabled</option>
            </select>
          </div>
        </div>
        <div className="row">
          <label htmlFor={`${id}-mode`}>Execution mode</label>
          <select id={`${id}-mode`} value={fields.execution_mode} onChange={(e) => set('execution_mode', e.target.value as TaskFields['execution_mode'])}>
            <option value="">Project default (push with an endpoint, else pull)</option>
            <option value="push">Push: the server POSTs to the execution endpoint</option>
            <option value="pull">Pull: executors claim runs</option>
            <option value="external">External: the executor runs on its own clock and reports</option>
          </select>
        </div>
        <TagsField value={fields.tags} onChange={(text) => set('tags', text)} />
        <ScheduleEditor value={schedule} onChange={setSchedule} />
        <div className="row-pair">
          <div className="row">
            <label htmlFor={`${id}-timeout`}>Timeout (seconds, empty: none)</label>
            <input id={`${id}-timeout`} type="number" min={1} step={1} value={fields.timeout_seconds} onChange={(e) => set('timeout_seconds', e.target.value)} />
          </div>
          <div className="row">
            <label htmlFor={`${id}-deadline`}>Start deadline (seconds; a run not started by then is MISSED)</label>
            <input id={`${id}-deadline`} type="number" min={1} step={1} value={fields.start_deadline_seconds} onChange={(e) => set('start_deadline_seconds', e.target.value)} />
          </div>
        </div>
        <AlertPolicyFields value={alerts} onChange={setAlerts} inheritLabel="The project's alert policy" />
        <DurationAlertFields value={durations} onChange={setDurations} />
        <OverlapFieldsEditor value={overlap} onChange={setOverlap} inheritLabel="The group's, else the project's policy" concurrencyLabel="Runs of this task open at once (empty: no limit)" />
        <CalendarFields projectId={projectId} value={calendar} onChange={setCalendar} />
        <RetryFields value={retry} onChange={setRetry} />
        <EditConflict
          error={save.error}
          what="task"
          fields={version.current ? compared(bodyOf(), version.current.data, groups.data) : null}
          loadError={version.loadError}
          onReload={() => void onReload()}
          onCompare={() => void version.compare()}
          onOverwrite={overwrite}
        />
        {save.error && !isEditConflict(save.error) ? <ErrorMessage error={save.error} title="Could not save the task" /> : null}
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : task ? 'Save changes' : 'Create task'}
          </button>
          <Link to={task ? `/projects/${projectId}/tasks/${task.id}` : `/projects/${projectId}`} className="button">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
