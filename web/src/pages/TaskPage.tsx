import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { ALL_STATUSES, api, type Execution, type ExecutionStatus, type Task, unwrap } from '../api/client';
import { AuditEntries, AuditTimeline } from '../components/AuditTimeline';
import { Bars } from '../components/Bars';
import { DurationChart } from '../components/DurationChart';
import { ExecutionAttempts } from '../components/ExecutionAttempts';
import { DayPicker } from '../components/Calendar';
import { PingSnippets } from '../components/PingSnippets';
import { describeCron, formatLocal } from '../components/ScheduleEditor';
import { ConfirmButton, Empty, ErrorMessage, Loading, StatusBadge } from '../components/ui';
import { formatDateTime, formatDuration, todayIn } from '../format';
import { useLiveUpdates } from '../live';
import { Link, navigate, useSearch } from '../router';
import type { Access } from '../session';
import { SnoozeButton } from '../components/SnoozeButton';
import { LiveIndicator, useProject } from './ProjectPage';

export function scheduleSummary(task: Task): string {
  const c = task.schedule_config;
  if (task.schedule_type === 'ONEOFF') return `Once, at ${c.run_at ? formatDateTime(c.run_at, c.timezone) : '?'} (${c.timezone})`;
  if (c.interval) return `Every ${c.interval.value} ${{ s: 'seconds', m: 'minutes', h: 'hours', d: 'days' }[c.interval.unit]}`;
  if (c.cron_expression) {
    const d = describeCron(c.cron_expression);
    return `${'text' in d ? d.text : c.cron_expression} (${c.timezone})`;
  }
  return c.time_range ? `From ${c.time_range.start} to ${c.time_range.end} (${c.timezone})` : 'No schedule';
}

export function TaskPage({ projectId, taskId, access }: { projectId: string; taskId: string; access: Access }) {
  const project = useProject(projectId);
  const live = useLiveUpdates(projectId);
  const queryClient = useQueryClient();
  const task = useQuery({
    queryKey: ['task', taskId],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: taskId } } })),
  });
  const next = useQuery({
    queryKey: ['task', taskId, 'preview'],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks/{task_uuid}/preview', { params: { path: { project_id: projectId, task_uuid: taskId }, query: { count: 5 } } })),
    enabled: task.data?.status === 'ACTIVE',
  });
  const trigger = useMutation({
    mutationFn: () => unwrap(api.POST('/projects/{project_id}/tasks/{task_uuid}/trigger', { params: { path: { project_id: projectId, task_uuid: taskId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['history', taskId] }),
  });
  const setStatus = useMutation({
    mutationFn: (status: 'ACTIVE' | 'DISABLED') =>
      unwrap(api.PATCH('/projects/{project_id}/tasks/{task_uuid}/status', { params: { path: { project_id: projectId, task_uuid: taskId } }, body: { status } })),
    onSuccess: (saved) => queryClient.setQueryData(['task', taskId], saved),
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/projects/{project_id}/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: taskId } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['task', taskId] });
      await queryClient.invalidateQueries({ queryKey: ['tasks', projectId] });
    },
  });

  if (task.isPending || project.isPending) return <Loading what="the task" />;
  if (project.isError) return <ErrorMessage error={project.error} title="Could not load the project" />;
  if (task.isError) return <ErrorMessage error={task.error} title="Could not load the task" />;
  const t = task.data;
  const deleting = t.status === 'PENDING_DELETE' || t.status === 'DELETE_FAILED';

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Projects</Link> / <Link to={`/projects/${projectId}`}>{project.data.name}</Link> /
      </nav>
      <div className="title-row">
        <h1>{t.name}</h1>
        <LiveIndicator state={live} />
      </div>
      {t.status === 'PENDING_DELETE' ? <p className="notice" role="status">This task is being deleted; it disappears once every step is done.</p> : null}
      {t.status === 'DELETE_FAILED' ? <p className="error" role="alert">Deleting this task failed; the server retries.</p> : null}
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={t.status} />
          </dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd>{scheduleSummary(t)}</dd>
        </div>
        <div>
          <dt>Execution mode</dt>
          <dd>{t.execution_mode}</dd>
        </div>
        <div>
          <dt>Last result</dt>
          <dd>
            <StatusBadge status={t.last_execution?.status} />
          </dd>
        </div>
        <div>
          <dt>Timeout</dt>
          <dd>{t.timeout_seconds ? `${t.timeout_seconds} s` : 'none'}</dd>
        </div>
        <div>
          <dt>Start deadline</dt>
          <dd>{t.start_deadline_seconds ? `${t.start_deadline_seconds} s` : 'none'}</dd>
        </div>
        <div className="wide">
          <dt>Next runs</dt>
          <dd>
            {t.status !== 'ACTIVE' ? (
              'not scheduled while ' + t.status.toLowerCase().replace('_', ' ')
            ) : next.isPending ? (
              '…'
            ) : next.isError ? (
              <ErrorMessage error={next.error} />
            ) : next.data.occurrences.length === 0 ? (
              'none'
            ) : (
              <ul className="plain">
                {next.data.occurrences.map((o) => (
                  <li key={o.at} className={o.fires ? undefined : 'skipped-run'}>
                    {o.fires ? formatLocal(o.local) : <s>{formatLocal(o.local)}</s>} {o.dst ? <span className="badge badge-warn">DST</span> : null}
                    {o.fires ? null : <span className="muted"> skipped: {o.skipped_reason}</span>}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      </dl>

      {t.ping_url && !deleting ? <PingSnippets pingUrl={t.ping_url} projectId={projectId} taskName={t.name} /> : null}

      {access.canEdit && !deleting ? (
        <div className="actions" aria-label="Task actions">
          <button type="button" className="primary" onClick={() => trigger.mutate()} disabled={trigger.isPending}>
            {trigger.isPending ? 'Triggering…' : 'Trigger now'}
          </button>
          <Link to={`/projects/${projectId}/tasks/${taskId}/edit`} className="button">
            Edit
          </Link>
          <button type="button" onClick={() => setStatus.mutate(t.status === 'ACTIVE' ? 'DISABLED' : 'ACTIVE')} disabled={setStatus.isPending}>
            {t.status === 'ACTIVE' ? 'Disable' : 'Enable'}
          </button>
          <ConfirmButton label="Delete" question={`Delete the task “${t.name}” and its history? This cannot be undone.`} onConfirm={() => remove.mutate()} disabled={remove.isPending} />
          <SnoozeButton projectId={projectId} taskId={taskId} />
        </div>
      ) : null}
      {trigger.data ? (
        <p className="notice" role="status">
          Triggered execution {trigger.data.data.execution_uuid.slice(0, 8)}; it is listed under today's executions.
        </p>
      ) : null}
      <ErrorMessage error={trigger.error} title="Could not trigger the task" />
      <ErrorMessage error={setStatus.error} title="Could not change the status" />
      <ErrorMessage error={remove.error} title="Could not delete the task" />

      <Executions projectId={projectId} taskId={taskId} timezone={project.data.timezone} canEdit={access.canEdit} />
      <TaskStats projectId={projectId} taskId={taskId} />
      <AuditTimeline
        projectId={projectId}
        queryKey={['audit', taskId]}
        load={() => unwrap(api.GET('/tasks/{task_uuid}/audit', { params: { path: { task_uuid: taskId }, query: { limit: 100 } } }))}
        what="the task's history"
      />
      {remove.data?.status === 'PENDING_DELETE' ? (
        <p role="status">
          Deletion started. <button type="button" className="link-button" onClick={() => navigate(`/projects/${projectId}`)}>Back to the project</button>
        </p>
      ) : null}
    </>
  );
}

const PAGE_SIZE = 20;

function Executions({ projectId, taskId, timezone, canEdit }: { projectId: string; taskId: string; timezone: string; canEdit: boolean }) {
  const id = useId();
  const today = todayIn(timezone);
  // `?day=YYYY-MM-DD&run=<execution id>` (the project overview's run marks) opens that run.
  const asked = new URLSearchParams(useSearch());
  const [day, setDay] = useState(asked.get('day') || today);
  const [status, setStatus] = useState<ExecutionStatus | ''>('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  useEffect(() => setCursors([undefined]), [day, status]);
  const history = useQuery({
    queryKey: ['history', taskId, day, status, cursor],
    queryFn: () =>
      unwrap(
        api.GET('/projects/{project_id}/tasks/{task_uuid}/history', {
          params: { path: { project_id: projectId, task_uuid: taskId }, query: { date: day, tz: timezone, status: status || undefined, limit: PAGE_SIZE, cursor } },
        }),
      ),
    placeholderData: (previous) => previous,
  });
  return (
    <section aria-labelledby={`${id}-title`} className="card">
      <h2 id={`${id}-title`}>Executions</h2>
      <div className="toolbar">
        <DayPicker projectId={projectId} taskId={taskId} timezone={timezone} day={day} today={today} onChange={setDay} />
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as ExecutionStatus | '')}>
          <option value="">All</option>
          {ALL_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        {day !== today ? (
          <button type="button" onClick={() => setDay(today)}>
            Today
          </button>
        ) : null}
      </div>
      {history.isPending ? <Loading what="executions" /> : null}
      <ErrorMessage error={history.error} title="Could not load the executions" />
      {history.data && history.data.data.length === 0 ? (
        <Empty>
          No {status ? `${status} ` : ''}executions on {day} ({timezone}){cursors.length > 1 ? ' on this page' : ''}.
        </Empty>
      ) : null}
      {history.data && history.data.data.length > 0 ? (
        <ul className="executions" aria-label={`Executions of ${day}`}>
          {history.data.data.map((execution) => (
            <ExecutionItem key={execution.id} execution={execution} canEdit={canEdit} opened={execution.id === asked.get('run')} />
          ))}
        </ul>
      ) : null}
      <div className="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <span className="small muted">Page {cursors.length}</span>
        <button type="button" disabled={!history.data?.next_cursor} onClick={() => setCursors([...cursors, history.data!.next_cursor!])}>
          Older
        </button>
      </div>
    </section>
  );
}

function ExecutionItem({ execution, canEdit, opened = false }: { execution: Execution; canEdit: boolean; opened?: boolean }) {
  const [open, setOpen] = useState(opened);
  const item = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (opened) item.current?.scrollIntoView?.({ block: 'center' });
  }, [opened]);
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/executions/{execution_uuid}/cancel', { params: { path: { execution_uuid: execution.id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['history', execution.task_id] }),
  });
  const running = execution.status === 'PENDING' || execution.status === 'RUNNING' || execution.status === 'RETRYING';
  const panel = `execution-${execution.id}`;
  return (
    <li className="execution" data-execution-id={execution.id} ref={item}>
      <div className="execution-summary">
        <button type="button" className="expander" aria-expanded={open} aria-controls={panel} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> <StatusBadge status={execution.status} /> {formatDateTime(execution.scheduled_at)}
          <span className="small muted">
            {' '}
            · {execution.trigger_type.toLowerCase().replace('_', '-')} · {formatDuration(execution.duration_ms)} · {execution.logs_count} log line{execution.logs_count === 1 ? '' : 's'}
          </span>
        </button>
        {canEdit && running ? (
          <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            Cancel run
          </button>
        ) : null}
      </div>
      {execution.error ? <p className="exec-error">Error: {execution.error}</p> : null}
      <ExecutionAttempts execution={execution} />
      <ErrorMessage error={cancel.error} title="Could not cancel" />
      {open ? (
        <div id={panel}>
          <ExecutionLogs execution={execution} />
          <ExecutionHistory execution={execution} />
        </div>
      ) : null}
    </li>
  );
}

function ExecutionLogs({ execution }: { execution: Execution }) {
  const logs = useQuery({
    queryKey: ['logs', execution.id],
    queryFn: () => unwrap(api.GET('/executions/{execution_uuid}/logs', { params: { path: { execution_uuid: execution.id }, query: { limit: 1000, order: 'desc' } } })),
  });
  const box = useRef<HTMLOListElement>(null);
  const lines = logs.data ? [...logs.data.data].reverse() : [];
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  const running = execution.status === 'PENDING' || execution.status === 'RUNNING';
  return (
    <div className="logs">
      <p className="small muted" role="status">
        {running ? 'Running: new lines appear here as the executor sends them.' : `Ended ${formatDateTime(execution.ended_at)}.`}
        {logs.data && logs.data.logs_count > lines.length ? ` Showing the last ${lines.length} of ${logs.data.logs_count} lines.` : ''}
      </p>
      {logs.isPending ? <Loading what="log lines" /> : null}
      <ErrorMessage error={logs.error} title="Could not load the logs" />
      {logs.data && lines.length === 0 ? <Empty>No log lines{running ? ' yet' : ''}.</Empty> : null}
      {lines.length > 0 ? (
        <ol className="log-lines mono" ref={box} aria-label="Log lines" aria-live="polite">
          {lines.map((line) => (
            <li key={line.seq} className={`log-${line.level}`}>
              <time dateTime={line.timestamp}>{new Date(line.timestamp).toLocaleTimeString()}</time>{' '}
              {execution.max_attempts > 1 ? <span className="attempt">#{line.attempt} </span> : null}
              <span className="level">{line.level}</span> {line.message}
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}

function ExecutionHistory({ execution }: { execution: Execution }) {
  const audit = useQuery({
    queryKey: ['audit', execution.task_id, execution.id, execution.status],
    queryFn: () => unwrap(api.GET('/executions/{execution_uuid}/audit', { params: { path: { execution_uuid: execution.id }, query: { limit: 100 } } })),
  });
  return (
    <div className="logs">
      <h3 className="small">What happened to this run</h3>
      <ErrorMessage error={audit.error} title="Could not load the run's history" />
      {audit.data ? <AuditEntries entries={audit.data.data} projectId={execution.project_id} label="Run history" /> : null}
    </div>
  );
}


function TaskStats({ projectId, taskId }: { projectId: string; taskId: string }) {
  const id = useId();
  const [granularity, setGranularity] = useState<'day' | 'hour'>('day');
  const stats = useQuery({
    queryKey: ['stats', projectId, taskId, granularity],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/stats', { params: { path: { project_id: projectId }, query: { granularity, task_id: taskId } } })),
  });
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <div className="title-row">
        <h2 id={`${id}-title`}>Stats</h2>
        <div role="group" aria-label="Period" className="segmented">
          <button type="button" aria-pressed={granularity === 'day'} onClick={() => setGranularity('day')}>
            Last 7 days
          </button>
          <button type="button" aria-pressed={granularity === 'hour'} onClick={() => setGranularity('hour')}>
            Last 24 hours
          </button>
        </div>
      </div>
      {stats.isPending ? <Loading what="stats" /> : null}
      <ErrorMessage error={stats.error} title="Could not load the stats" />
      {stats.data ? (
        <>
          <p data-testid="stats-totals">
            <strong>{stats.data.totals.total}</strong> run{stats.data.totals.total === 1 ? '' : 's'}, <strong>{stats.data.totals.success}</strong> succeeded, <strong>{stats.data.totals.failures}</strong> failed
            {stats.data.totals.in_progress ? `, ${stats.data.totals.in_progress} in progress` : ''}
          </p>
          <Bars stats={stats.data} label={granularity === 'day' ? 'Runs per day' : 'Runs per hour'} />
          <DurationChart stats={stats.data} />
        </>
      ) : null}
    </section>
  );
}

