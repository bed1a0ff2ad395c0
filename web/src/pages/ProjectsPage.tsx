import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { api, type Me, type Project, unwrap } from '../api/client';
import { Bars } from '../components/Bars';
import { CopyOnce } from '../components/CopyOnce';
import { Empty, ErrorMessage, Loading } from '../components/ui';
import { browserZone, timeZones } from '../format';
import { Link } from '../router';
import { accessIn } from '../session';

export function ProjectsPage({ me }: { me: Me }) {
  const projects = useQuery({ queryKey: ['projects'], queryFn: () => unwrap(api.GET('/projects')) });
  return (
    <>
      <h1>Projects</h1>
      <NewProject />
      {projects.isPending ? <Loading what="projects" /> : null}
      <ErrorMessage error={projects.error} title="Could not load the projects" />
      {projects.data?.length === 0 ? <Empty>You are not a member of any project yet. Create one above, or ask a project admin to add you.</Empty> : null}
      {projects.data?.length ? (
        <ul className="cards" aria-label="Projects">
          {projects.data.map((project) => (
            <ProjectCard key={project.id} project={project} role={accessIn(me, project.id).label} />
          ))}
        </ul>
      ) : null}
    </>
  );
}

function ProjectCard({ project, role }: { project: Project; role: string }) {
  const stats = useQuery({
    queryKey: ['stats', project.id, 'week'],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/stats', { params: { path: { project_id: project.id }, query: { granularity: 'day' } } })),
  });
  const today = stats.data?.buckets.at(-1);
  return (
    <li className="card project-card">
      <h2>
        <Link to={`/projects/${project.id}`}>{project.name}</Link>
      </h2>
      <p className="small muted">
        {role ? `Your role: ${role} · ` : ''}zone {project.timezone} · {project.execution_endpoint ? `push to ${project.execution_endpoint}` : 'no execution endpoint (pull)'}
      </p>
      {stats.isPending ? <p className="small muted">Loading today's runs…</p> : null}
      <ErrorMessage error={stats.error} title="Stats unavailable" />
      {today ? (
        <p>
          <span className={today.failures > 0 ? 'badge badge-bad' : 'badge badge-good'} data-testid="failures-today">
            {today.failures} failure{today.failures === 1 ? '' : 's'} today
          </span>{' '}
          <span className="small muted">{today.total} runs today</span>
        </p>
      ) : null}
      {stats.data ? <Bars stats={stats.data} label={`${project.name}: runs per day, last 7 days`} compact /> : null}
    </li>
  );
}

function NewProject() {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [endpoint, setEndpoint] = useState('');
  const [timezone, setTimezone] = useState(browserZone());
  const zones = useMemo(() => timeZones(), []);
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/projects', { body: { name, execution_endpoint: endpoint || null, timezone } })),
    onSuccess: async () => {
      setName('');
      setEndpoint('');
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  if (create.data) {
    return (
      <section className="card" aria-label="Project created">
        <p>
          Project <strong>{create.data.name}</strong> created.{' '}
          <Link to={`/projects/${create.data.id}`}>Open it</Link>
        </p>
        <CopyOnce label="API key (write scope)" value={create.data.api_key} />
        <CopyOnce label="Webhook signing secret" value={create.data.signing_secret} onDone={() => create.reset()} />
      </section>
    );
  }
  if (!open)
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        New project
      </button>
    );
  return (
    <form className="card" onSubmit={submit} aria-label="New project">
      <h2>New project</h2>
      <div className="row">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="row">
        <label htmlFor={`${id}-endpoint`}>Execution endpoint (optional URL the server POSTs each run to)</label>
        <input id={`${id}-endpoint`} type="url" placeholder="https://executor.example.com/run" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} />
      </div>
      <div className="row">
        <label htmlFor={`${id}-tz`}>Time zone (days in stats and history)</label>
        <input id={`${id}-tz`} list={`${id}-zones`} value={timezone} onChange={(e) => setTimezone(e.target.value)} />
        <datalist id={`${id}-zones`}>
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </div>
      <ErrorMessage error={create.error} title="Could not create the project" />
      <div className="actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create project'}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
