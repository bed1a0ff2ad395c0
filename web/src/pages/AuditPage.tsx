import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api, type Schemas, unwrap } from '../api/client';
import { useActorName } from '../components/AuditTimeline';
import { TaskDefinitionDiff } from '../components/TaskDefinitionDiff';
import { Empty, ErrorMessage, Loading } from '../components/ui';
import { useTimeDisplay } from '../time-rule';
import { Link, navigate, useSearch } from '../router';

type Entry = Schemas['ProjectAuditEntryResponse'];

const PAGE_SIZE = 50;
/** The filters kept in the address, so a view of the history can be bookmarked and shared. */
const FILTERS = ['type', 'actor', 'from', 'to', 'order'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
/** Entries whose instant is worth comparing the task's definition around. */
const DEFINITION_CHANGES = new Set(['TaskCreated', 'TaskUpdated', 'TaskStatusChanged', 'TaskDeletionRequested']);

export function auditAddress(projectId: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => Boolean(entry[1])));
  const text = query.toString();
  return `/projects/${projectId}/audit${text ? `?${text}` : ''}`;
}

/** One millisecond before an instant: the definition just before the change recorded then. */
function justBefore(iso: string): string {
  return new Date(Date.parse(iso) - 1).toISOString();
}

/**
 * The project's whole history (GET /projects/{id}/audit): filters by type, actor and time window, newest
 * first by default, a page at a time; the filters, the page and a compared task are all in the address.
 */
export function AuditPage({ projectId }: { projectId: string }) {
  const search = new URLSearchParams(useSearch());
  const filters = Object.fromEntries(FILTERS.map((name) => [name, search.get(name) ?? ''])) as Filters;
  const order = filters.order === 'asc' ? 'asc' : 'desc';
  const cursor = search.get('cursor') ?? undefined;
  const compare = { task: search.get('task') ?? '', before: search.get('before') ?? '', after: search.get('after') ?? '' };
  const address = (params: Record<string, string | undefined>) => auditAddress(projectId, { ...filters, ...compare, ...params });

  const project = useQuery({ queryKey: ['project', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}', { params: { path: { project_id: projectId } } })) });
  const page = useQuery({
    queryKey: ['project-audit', projectId, filters, cursor],
    queryFn: () =>
      unwrap(
        api.GET('/projects/{project_id}/audit', {
          params: {
            path: { project_id: projectId },
            query: { type: filters.type || undefined, actor: filters.actor || undefined, from: filters.from || undefined, to: filters.to || undefined, order, cursor, limit: PAGE_SIZE },
          },
        }),
      ),
  });

  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Projects</Link> / <Link to={`/projects/${projectId}`}>{project.data?.name ?? 'Project'}</Link> /
      </nav>
      <h1>Audit log</h1>
      <p className="muted small">Who changed what in this project: settings, members, API keys, tasks, groups, alerts and deletions.</p>
      <AuditFilters initial={filters} onApply={(next) => navigate(auditAddress(projectId, { ...next, ...compare }))} />
      <section className="card" aria-label="Events">
        {page.isPending ? <Loading what="the history" /> : null}
        <ErrorMessage error={page.error} title="Could not load the history" />
        {page.data?.data.length === 0 ? <Empty>No events match.</Empty> : null}
        {page.data?.data.length ? (
          <AuditTable
            entries={page.data.data}
            projectId={projectId}
            ownZone={project.data?.timezone}
            compareHref={(entry) => address({ cursor, task: entry.subject.id, before: justBefore(entry.occurred_at), after: entry.occurred_at })}
          />
        ) : null}
        <div className="pager">
          {cursor ? <Link to={address({ cursor: undefined })}>{order === 'desc' ? 'Newest' : 'Oldest'} events</Link> : null}
          {page.data?.next_cursor ? (
            <Link to={address({ cursor: page.data.next_cursor })} className="button">
              Next page
            </Link>
          ) : null}
        </div>
      </section>
      <CompareTask projectId={projectId} initial={compare} onApply={(next) => navigate(address({ cursor, ...next }))} />
    </>
  );
}

function AuditFilters({ initial, onApply }: { initial: Filters; onApply: (filters: Filters) => void }) {
  const id = useId();
  const [form, setForm] = useState(initial);
  const key = JSON.stringify(initial);
  // The address is the truth: back and forward bring their filters into the form.
  useEffect(() => setForm(JSON.parse(key) as Filters), [key]);
  const field = (name: keyof Filters) => ({ id: `${id}-${name}`, value: form[name], onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(form);
  };
  return (
    <form className="card audit-filters" aria-label="Filters" onSubmit={submit}>
      <div className="row">
        <label htmlFor={`${id}-type`}>Event types (comma-separated)</label>
        <input {...field('type')} placeholder="TaskUpdated,ApiKeyRevoked" />
      </div>
      <div className="row">
        <label htmlFor={`${id}-actor`}>Actor (user id, key id or system:…)</label>
        <input {...field('actor')} />
      </div>
      <div className="row">
        <label htmlFor={`${id}-from`}>From (ISO 8601 instant)</label>
        <input {...field('from')} placeholder="2026-01-31T00:00:00Z" />
      </div>
      <div className="row">
        <label htmlFor={`${id}-to`}>To (ISO 8601 instant, excluded)</label>
        <input {...field('to')} placeholder="2026-02-01T00:00:00Z" />
      </div>
      <div className="row">
        <label htmlFor={`${id}-order`}>Order</label>
        <select {...field('order')}>
          <option value="">Newest first</option>
          <option value="asc">Oldest first</option>
        </select>
      </div>
      <div className="actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
      </div>
    </form>
  );
}

function AuditTable({ entries, projectId, ownZone, compareHref }: { entries: Entry[]; projectId: string; ownZone?: string; compareHref: (entry: Entry) => string }) {
  const times = useTimeDisplay();
  const actorName = useActorName(projectId);
  return (
    <table aria-label="Audit log">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">What</th>
          <th scope="col">Type</th>
          <th scope="col">By</th>
          <th scope="col">About</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.position}>
            <td>
              <time dateTime={entry.occurred_at}>{times.dateTime(entry.occurred_at, ownZone)}</time>
            </td>
            <td>{entry.summary}</td>
            <td>
              <code>{entry.type}</code>
            </td>
            <td>{actorName(entry)}</td>
            <td>
              {entry.subject.kind === 'task' ? <Link to={`/projects/${projectId}/tasks/${entry.subject.id}`}>task {entry.subject.id.slice(0, 8)}</Link> : `${entry.subject.kind.replace('_', ' ')}`}
              {entry.subject.kind === 'task' && DEFINITION_CHANGES.has(entry.type) ? (
                <>
                  {' · '}
                  <Link to={compareHref(entry)}>compare before/after</Link>
                </>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Compare = { task: string; before: string; after: string };

/** Picks a task and two instants; shows its definition at both side by side. */
function CompareTask({ projectId, initial, onApply }: { projectId: string; initial: Compare; onApply: (compare: Compare) => void }) {
  const id = useId();
  const [form, setForm] = useState(initial);
  const key = JSON.stringify(initial);
  useEffect(() => setForm(JSON.parse(key) as Compare), [key]);
  const tasks = useQuery({ queryKey: ['tasks', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks', { params: { path: { project_id: projectId } } })) });
  const ready = initial.task && initial.before && initial.after;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Compare a task's definition</h2>
      <form
        className="audit-filters"
        onSubmit={(event) => {
          event.preventDefault();
          onApply(form);
        }}
      >
        <div className="row">
          <label htmlFor={`${id}-task`}>Task</label>
          <select id={`${id}-task`} value={form.task} onChange={(e) => setForm({ ...form, task: e.target.value })}>
            <option value="">Choose a task</option>
            {form.task && !tasks.data?.some((t) => t.id === form.task) ? <option value={form.task}>task {form.task.slice(0, 8)}</option> : null}
            {tasks.data?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div className="row">
          <label htmlFor={`${id}-before`}>Earlier instant</label>
          <input id={`${id}-before`} value={form.before} onChange={(e) => setForm({ ...form, before: e.target.value })} placeholder="2026-01-31T00:00:00Z" />
        </div>
        <div className="row">
          <label htmlFor={`${id}-after`}>Later instant</label>
          <input id={`${id}-after`} value={form.after} onChange={(e) => setForm({ ...form, after: e.target.value })} placeholder="2026-02-01T00:00:00Z" />
        </div>
        <div className="actions">
          <button type="submit">Compare</button>
        </div>
      </form>
      {ready ? <TaskDefinitionDiff projectId={projectId} taskId={initial.task} before={initial.before} after={initial.after} /> : null}
    </section>
  );
}
