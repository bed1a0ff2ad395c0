import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api, type CreateTaskBody, type Task, unwrap } from '../api/client';
import { draftOf, emptyDraft, ScheduleEditor, type ScheduleDraft, scheduleConfigOf } from '../components/ScheduleEditor';
import { AlertPolicyFields, alertDraftOf, alertPolicyOf } from '../components/AlertPolicyFields';
import { ErrorMessage, Loading } from '../components/ui';
import { Link, navigate } from '../router';
import type { Access } from '../session';
import { useProject } from './ProjectPage';

interface TaskFields {
  name: string;
  task_group_id: string;
  execution_mode: '' | 'push' | 'pull' | 'external';
  status: 'ACTIVE' | 'DISABLED';
  timeout_seconds: string;
  start_deadline_seconds: string;
}

function fieldsOf(task: Task | undefined): TaskFields {
  return {
    name: task?.name ?? '',
    task_group_id: task?.task_group_id ?? '',
    execution_mode: task?.execution_mode ?? '',
    status: task?.status === 'DISABLED' ? 'DISABLED' : 'ACTIVE',
    timeout_seconds: task?.timeout_seconds ? String(task.timeout_seconds) : '',
    start_deadline_seconds: task?.start_deadline_seconds ? String(task.start_deadline_seconds) : '',
  };
}

const optionalInt = (text: string) => (text.trim() === '' ? null : Number(text));

export function TaskFormPage({ projectId, taskId, access }: { projectId: string; taskId?: string; access: Access }) {
  const project = useProject(projectId);
  const task = useQuery({
    queryKey: ['task', taskId],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: taskId! } } })),
    enabled: taskId !== undefined,
  });
  if (!access.canEdit) return <p role="alert">Your role ({access.label || 'none'}) can view this project's tasks but not create or change them.</p>;
  if (project.isPending || (taskId && task.isPending)) return <Loading what="the task" />;
  if (project.isError) return <ErrorMessage error={project.error} title="Could not load the project" />;
  if (task.isError) return <ErrorMessage error={task.error} title="Could not load the task" />;
  return <TaskForm projectId={projectId} task={task.data} defaultZone={project.data.timezone} />;
}

function TaskForm({ projectId, task, defaultZone }: { projectId: string; task?: Task; defaultZone: string }) {
  const id = useId();
  const [fields, setFields] = useState<TaskFields>(() => fieldsOf(task));
  const [schedule, setSchedule] = useState<ScheduleDraft>(() => (task ? draftOf(task.schedule_type, task.schedule_config) : emptyDraft(defaultZone)));
  const [alerts, setAlerts] = useState(() => alertDraftOf(task?.alert_policy));
  useEffect(() => setFields(fieldsOf(task)), [task]);
  const groups = useQuery({ queryKey: ['groups', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/task-groups', { params: { path: { project_id: projectId } } })) });
  const queryClient = useQueryClient();
  const set = <K extends keyof TaskFields>(key: K, value: TaskFields[K]) => setFields({ ...fields, [key]: value });

  const save = useMutation({
    mutationFn: async () => {
      const body: CreateTaskBody = {
        name: fields.name.trim(),
        description: task?.description ?? null,
        schedule_type: schedule.schedule_type,
        schedule_config: scheduleConfigOf(schedule),
        status: fields.status,
        task_group_id: fields.task_group_id || null,
        execution_mode: fields.execution_mode || null,
        timeout_seconds: optionalInt(fields.timeout_seconds),
        start_deadline_seconds: optionalInt(fields.start_deadline_seconds),
        metadata: task?.metadata ?? null,
        alert_policy: alertPolicyOf(alerts),
      };
      return task
        ? unwrap(api.PUT('/projects/{project_id}/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: task.id } }, body }))
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
    save.mutate();
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
        <ErrorMessage error={save.error} title="Could not save the task" />
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
