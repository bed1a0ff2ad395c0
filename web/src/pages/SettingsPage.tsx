import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { api, type ApiKeyScope, type Project, type ProjectRole, type Schemas, unwrap } from '../api/client';
import { ifMatch, isEditConflict, unwrapVersioned, type Versioned } from '../api/versions';
import { AlertChannels } from '../components/AlertChannels';
import { CalendarSettings, MaintenanceWindowSettings } from '../components/ScheduleRulesSettings';
import { AlertPolicyFields, alertDraftOf, alertPolicyOf } from '../components/AlertPolicyFields';
import { PingKeySettings } from '../components/PingKeySettings';
import { OverlapFieldsEditor, overlapDraftOf, overlapFieldsOf } from '../components/OverlapFields';
import { CopyOnce } from '../components/CopyOnce';
import { PublicLinks } from '../components/PublicLinks';
import { type ComparedField, EditConflict, useEditVersion } from '../components/EditConflict';
import { ConfirmButton, Empty, ErrorMessage, Loading } from '../components/ui';
import { timeZones } from '../format';
import { useTimeDisplay } from '../time-rule';
import { Link } from '../router';
import { type Access, useMe } from '../session';

type ProjectChanges = Schemas['UpdateProjectBody'];

/** The project with its version (ETag), which the settings forms send back as If-Match. */
const loadVersioned = (projectId: string) => unwrapVersioned(api.GET('/projects/{project_id}', { params: { path: { project_id: projectId } } }));

/**
 * A PUT of some of the project's settings, sent with If-Match (the version the form shows); on 412 the
 * form shows the conflict, and can reload, compare `fields` with the current project, or save over it.
 */
function useProjectSave(project: Project, etag: string | null, changes: () => ProjectChanges, onSaved?: () => void) {
  const queryClient = useQueryClient();
  const version = useEditVersion(etag, () => loadVersioned(project.id));
  const save = useMutation({
    mutationFn: (over: string | null) =>
      unwrapVersioned(api.PUT('/projects/{project_id}', { params: { path: { project_id: project.id } }, body: changes(), headers: ifMatch(over) })),
    onSuccess: (saved: Versioned<Project>) => {
      queryClient.setQueryData(['project', project.id], saved.data);
      queryClient.setQueryData(['project', project.id, 'versioned'], saved);
      onSaved?.();
    },
  });
  const conflict = (what: string, fields: (current: Project) => ComparedField[]) => (
    <>
      <EditConflict
        error={save.error}
        what={what}
        fields={version.current ? fields(version.current.data) : null}
        loadError={version.loadError}
        onReload={() => void queryClient.invalidateQueries({ queryKey: ['project', project.id] })}
        onCompare={() => void version.compare()}
        onOverwrite={() => save.mutate(version.adoptCurrent()?.etag ?? version.version)}
      />
      {save.error && !isEditConflict(save.error) ? <ErrorMessage error={save.error} title="Could not save" /> : null}
    </>
  );
  /** The form's submit handler: saves over the version loaded. */
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(version.version);
  };
  return { save, submit, conflict };
}

export function SettingsPage({ projectId, access }: { projectId: string; access: Access }) {
  const loaded = useQuery({ queryKey: ['project', projectId, 'versioned'], queryFn: () => loadVersioned(projectId) });
  if (loaded.isPending) return <Loading what="the project" />;
  if (loaded.isError) return <ErrorMessage error={loaded.error} title="Could not load the project" />;
  const { data: project, etag } = loaded.data;
  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Projects</Link> / <Link to={`/projects/${projectId}`}>{project.name}</Link> /
      </nav>
      <h1>{access.isAdmin ? 'Settings' : 'Project details'}</h1>
      {!access.isAdmin ? <p className="notice">Only project admins can change these settings; your role is {access.label || 'none'}.</p> : null}
      <Details project={project} etag={etag} editable={access.isAdmin} />
      <AlertsAndRetention project={project} etag={etag} editable={access.isAdmin} />
      <ProjectOverlap project={project} etag={etag} editable={access.isAdmin} />
      {access.isAdmin ? <AlertChannels projectId={projectId} /> : null}
      {access.canEdit ? <CalendarSettings projectId={projectId} /> : null}
      {access.canEdit ? <MaintenanceWindowSettings projectId={projectId} ownZone={project.timezone} /> : null}
      <Members project={project} editable={access.isAdmin} />
      {access.isAdmin ? <ApiKeys projectId={projectId} ownZone={project.timezone} /> : null}
      {access.isAdmin ? <SigningSecret projectId={projectId} ownZone={project.timezone} /> : null}
      {access.isAdmin ? <PublicLinks projectId={projectId} /> : null}
      {access.canEdit ? <PingKeySettings projectId={projectId} canRotate={access.isAdmin} /> : null}
    </>
  );
}

/** The overlap policy of the project's tasks and groups that set none (`allow` shows as the empty choice). */
function ProjectOverlap({ project, etag, editable }: { project: Project; etag: string | null; editable: boolean }) {
  const id = useId();
  const draftOf = (p: Project) => overlapDraftOf({ overlap_policy: p.overlap_policy === 'allow' ? null : p.overlap_policy, max_queued: p.max_queued });
  const [overlap, setOverlap] = useState(() => draftOf(project));
  useEffect(() => setOverlap(draftOf(project)), [project]);
  const changes = () => {
    const { overlap_policy, max_queued } = overlapFieldsOf(overlap);
    return { overlap_policy, max_queued };
  };
  const { save, submit, conflict } = useProjectSave(project, etag, changes);
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Overlapping runs</h2>
      <fieldset disabled={!editable} className="bare">
        <OverlapFieldsEditor value={overlap} onChange={setOverlap} inheritLabel="Allow: start it alongside the open run (default)" />
      </fieldset>
      {conflict('project', (current) => [{ label: 'Overlap policy', mine: changes().overlap_policy ?? 'allow', current: current.overlap_policy }])}
      {save.isSuccess ? <p role="status">Saved.</p> : null}
      {editable ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          Save overlap policy
        </button>
      ) : null}
    </form>
  );
}

function AlertsAndRetention({ project, etag, editable }: { project: Project; etag: string | null; editable: boolean }) {
  const id = useId();
  const [policy, setPolicy] = useState(() => alertDraftOf(project.alert_policy));
  const [recipients, setRecipients] = useState(project.alert_emails ?? '');
  const [webhook, setWebhook] = useState(project.alert_webhook_url ?? '');
  const [retention, setRetention] = useState(project.retention_days ? String(project.retention_days) : '');
  useEffect(() => {
    setPolicy(alertDraftOf(project.alert_policy));
    setRecipients(project.alert_emails ?? '');
    setWebhook(project.alert_webhook_url ?? '');
    setRetention(project.retention_days ? String(project.retention_days) : '');
  }, [project]);
  const changes = () => ({
    alert_policy: alertPolicyOf(policy),
    alert_emails: recipients.trim() || null,
    alert_webhook_url: webhook.trim() || null,
    retention_days: retention.trim() === '' ? null : Number(retention),
  });
  const { save, submit, conflict } = useProjectSave(project, etag, changes);
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Alerts and retention</h2>
      <fieldset disabled={!editable} className="bare">
        <AlertPolicyFields value={policy} onChange={setPolicy} inheritLabel="The installation's default policy" legend="Alert policy (default of the project's tasks)" />
        <div className="row">
          <label htmlFor={`${id}-recipients`}>Alert recipients (addresses, comma-separated)</label>
          <input id={`${id}-recipients`} value={recipients} placeholder="ops@example.com, oncall@example.com" onChange={(e) => setRecipients(e.target.value)} />
        </div>
        <div className="row">
          <label htmlFor={`${id}-webhook`}>Alert webhook URL (alerts are also POSTed there, signed)</label>
          <input id={`${id}-webhook`} type="url" value={webhook} placeholder="none" onChange={(e) => setWebhook(e.target.value)} />
        </div>
        <div className="row">
          <label htmlFor={`${id}-retention`}>Retention (days of history to keep; empty: forever)</label>
          <input id={`${id}-retention`} type="number" min={1} step={1} value={retention} onChange={(e) => setRetention(e.target.value)} />
        </div>
      </fieldset>
      {conflict('project', (current) => {
        const mine = changes();
        return [
          { label: 'Alert policy', mine: mine.alert_policy, current: current.alert_policy },
          { label: 'Alert recipients', mine: mine.alert_emails, current: current.alert_emails },
          { label: 'Alert webhook URL', mine: mine.alert_webhook_url, current: current.alert_webhook_url },
          { label: 'Retention (days)', mine: mine.retention_days, current: current.retention_days },
        ];
      })}
      {save.isSuccess ? <p role="status">Saved.</p> : null}
      {editable ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          Save alerts and retention
        </button>
      ) : null}
    </form>
  );
}

function Details({ project, etag, editable }: { project: Project; etag: string | null; editable: boolean }) {
  const id = useId();
  const [name, setName] = useState(project.name);
  const [timezone, setTimezone] = useState(project.timezone);
  const [endpoint, setEndpoint] = useState(project.execution_endpoint ?? '');
  const zones = useMemo(() => timeZones(), []);
  useEffect(() => {
    setName(project.name);
    setTimezone(project.timezone);
    setEndpoint(project.execution_endpoint ?? '');
  }, [project]);
  const queryClient = useQueryClient();
  const changes = () => ({ name, timezone, execution_endpoint: endpoint || null });
  const { save, submit, conflict } = useProjectSave(project, etag, changes, () => void queryClient.invalidateQueries({ queryKey: ['projects'] }));
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Details</h2>
      <fieldset disabled={!editable} className="bare">
        <div className="row">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} required value={name} onChange={(e) => setName(e.target.value)} />
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
        <div className="row">
          <label htmlFor={`${id}-endpoint`}>Execution endpoint</label>
          <input id={`${id}-endpoint`} type="url" value={endpoint} placeholder="none: executors pull" onChange={(e) => setEndpoint(e.target.value)} />
        </div>
      </fieldset>
      {conflict('project', (current) => [
        { label: 'Name', mine: name, current: current.name },
        { label: 'Time zone', mine: timezone, current: current.timezone },
        { label: 'Execution endpoint', mine: endpoint || null, current: current.execution_endpoint },
      ])}
      {save.isSuccess ? <p role="status">Saved.</p> : null}
      {editable ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          Save details
        </button>
      ) : null}
    </form>
  );
}

const ROLES: ProjectRole[] = ['admin', 'editor', 'viewer'];

function Members({ project, editable }: { project: Project; editable: boolean }) {
  const id = useId();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<ProjectRole>('viewer');
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['project', project.id] });
  const setMember = useMutation({
    mutationFn: (member: { email: string; role: ProjectRole }) =>
      unwrap(api.PUT('/projects/{project_id}/members/{email}', { params: { path: { project_id: project.id, email: member.email } }, body: { role: member.role } })),
    onSuccess: async () => {
      setEmail('');
      await refresh();
    },
  });
  const removeMember = useMutation({
    mutationFn: (memberEmail: string) => unwrap(api.DELETE('/projects/{project_id}/members/{email}', { params: { path: { project_id: project.id, email: memberEmail } } })),
    onSuccess: refresh,
  });
  // Every member may choose their own alert mails; admins may choose anyone's.
  const myEmail = useMe().data?.user.email.toLowerCase();
  const setAlerts = useMutation({
    mutationFn: (member: { email: string; alerts: boolean }) =>
      unwrap(
        api.PUT('/projects/{project_id}/members/{email}/alerts', {
          params: { path: { project_id: project.id, email: member.email } },
          body: { alerts: member.alerts },
        }),
      ),
    onSuccess: refresh,
  });
  const add = (e: FormEvent) => {
    e.preventDefault();
    setMember.mutate({ email: email.trim(), role });
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Members and roles</h2>
      <p className="small muted">Members with Alerts checked are mailed this project's alerts, besides its alert emails. You may change your own.</p>
      {project.project_users.length === 0 ? <Empty>No members.</Empty> : null}
      <ul className="members">
        {project.project_users.map((member) => (
          <li key={member.email}>
            <span>{member.email}</span>
            {editable ? (
              <>
                <label className="visually-hidden" htmlFor={`${id}-${member.email}`}>
                  Role of {member.email}
                </label>
                <select id={`${id}-${member.email}`} value={member.role} onChange={(e) => setMember.mutate({ email: member.email, role: e.target.value as ProjectRole })}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
                <ConfirmButton label="Remove" question={`Remove ${member.email} from ${project.name}?`} onConfirm={() => removeMember.mutate(member.email)} />
              </>
            ) : (
              <span className="badge">{member.role}</span>
            )}
            <span className="checkbox-row">
              <input
                id={`${id}-${member.email}-alerts`}
                type="checkbox"
                checked={member.alerts}
                disabled={!(editable || member.email === myEmail) || setAlerts.isPending}
                onChange={(e) => setAlerts.mutate({ email: member.email, alerts: e.target.checked })}
              />
              <label htmlFor={`${id}-${member.email}-alerts`}>
                Alerts<span className="visually-hidden"> for {member.email}</span>
              </label>
            </span>
          </li>
        ))}
      </ul>
      <ErrorMessage error={setMember.error} title="Could not change the member" />
      <ErrorMessage error={removeMember.error} title="Could not remove the member" />
      <ErrorMessage error={setAlerts.error} title="Could not change the alert mails" />
      {editable ? (
        <form onSubmit={add} className="inline-form" aria-label="Add a member">
          <label htmlFor={`${id}-email`}>Email</label>
          <input id={`${id}-email`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as ProjectRole)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button type="submit" disabled={setMember.isPending}>
            Add member
          </button>
          <p className="small muted">Someone without an account gets an invitation.</p>
        </form>
      ) : null}
    </section>
  );
}

function ApiKeys({ projectId, ownZone }: { projectId: string; ownZone: string }) {
  const id = useId();
  const times = useTimeDisplay();
  const formatDateTime = (iso: string | null | undefined) => times.dateTime(iso, ownZone);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('ingest');
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/api-keys', { params: { path: { project_id: projectId } } })) });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/projects/{project_id}/api-keys', { params: { path: { project_id: projectId } }, body: { name, scope } })),
    onSuccess: async () => {
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['api-keys', projectId] });
    },
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) => unwrap(api.DELETE('/projects/{project_id}/api-keys/{key_id}', { params: { path: { project_id: projectId, key_id: keyId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys', projectId] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>API keys</h2>
      {create.data ? <CopyOnce label={`API key “${create.data.name}” (${create.data.scope})`} value={create.data.api_key} onDone={() => create.reset()} /> : null}
      <form onSubmit={submit} className="inline-form" aria-label="Create an API key">
        <label htmlFor={`${id}-name`}>Key name</label>
        <input id={`${id}-name`} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor={`${id}-scope`}>Scope</label>
        <select id={`${id}-scope`} value={scope} onChange={(e) => setScope(e.target.value as ApiKeyScope)}>
          <option value="ingest">ingest (executors report)</option>
          <option value="read">read</option>
          <option value="write">write</option>
        </select>
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      <ErrorMessage error={create.error} title="Could not create the key" />
      <ErrorMessage error={revoke.error} title="Could not revoke the key" />
      {keys.isPending ? <Loading what="API keys" /> : null}
      <ErrorMessage error={keys.error} title="Could not load the keys" />
      {keys.data?.length === 0 ? <Empty>No API keys.</Empty> : null}
      {keys.data?.length ? (
        <div className="table-wrap" role="region" aria-label="API keys" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scope</th>
                <th scope="col" title="Recorded to within 5 minutes">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id}>
                  <th scope="row">{key.name}</th>
                  <td data-label="Prefix" className="mono">
                    {key.prefix}…
                  </td>
                  <td data-label="Scope">{key.scope}</td>
                  <td data-label="Last used">{key.last_used_at ? formatDateTime(key.last_used_at) : 'never'}</td>
                  <td>
                    {key.revoked ? (
                      <span className="badge">revoked {formatDateTime(key.revoked_at)}</span>
                    ) : (
                      <ConfirmButton label="Revoke" question={`Revoke the key “${key.name}”? Executors using it stop working at once.`} onConfirm={() => revoke.mutate(key.id)} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function SigningSecret({ projectId, ownZone }: { projectId: string; ownZone: string }) {
  const times = useTimeDisplay();
  const rotate = useMutation({ mutationFn: () => unwrap(api.POST('/projects/{project_id}/signing-secret/rotate', { params: { path: { project_id: projectId } } })) });
  return (
    <section className="card" aria-labelledby="signing-title">
      <h2 id="signing-title">Webhook signing secret</h2>
      <p className="small muted">Executors check the signature of each dispatch with it. After a rotation the previous secret stays valid for a grace period.</p>
      {rotate.data ? (
        <>
          <CopyOnce label="New signing secret" value={rotate.data.signing_secret} onDone={() => rotate.reset()} />
          <p className="small">The previous secret is valid until {times.dateTime(rotate.data.previous_secret_valid_until, ownZone)}.</p>
        </>
      ) : (
        <ConfirmButton className="" label="Rotate signing secret" question="Create a new signing secret? The current one keeps working for a grace period." onConfirm={() => rotate.mutate()} disabled={rotate.isPending} />
      )}
      <ErrorMessage error={rotate.error} title="Could not rotate the secret" />
    </section>
  );
}
