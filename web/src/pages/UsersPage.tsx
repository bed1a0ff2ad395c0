/** People, for super admins: every account, inviting someone to a project, disabling, password resets. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type ProjectRole, type Schemas, unwrap } from '../api/client';
import { useNewPassword } from '../components/NewPasswordFields';
import { ConfirmButton, ErrorMessage, Loading } from '../components/ui';
import { useTimeDisplay } from '../time-rule';

type User = Schemas['UserResponse'];
const USERS = ['users'];

export function UsersPage({ superAdmin, myEmail }: { superAdmin: boolean; myEmail: string }) {
  const users = useQuery({ queryKey: USERS, queryFn: () => unwrap(api.GET('/users')), enabled: superAdmin });
  if (!superAdmin)
    return (
      <section aria-labelledby="users-title">
        <h1 id="users-title">People</h1>
        <p className="notice">Only super admins manage people.</p>
      </section>
    );
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">People</h1>
      <InviteForm />
      {users.isPending ? <Loading what="people" /> : null}
      <ErrorMessage error={users.error} title="Could not load the people" />
      {users.data ? <UserTable users={users.data} myEmail={myEmail} /> : null}
    </section>
  );
}

function UserTable({ users, myEmail }: { users: User[]; myEmail: string }) {
  const time = useTimeDisplay();
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: ({ id, disabled }: { id: string; disabled: boolean }) => unwrap(api.PATCH('/users/{user_id}', { params: { path: { user_id: id } }, body: { disabled } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: USERS }),
  });
  return (
    <>
      <ErrorMessage error={update.error} title="Could not change the account" />
      <div className="table-wrap" role="region" aria-label="People, scrollable" tabIndex={0}>
        <table aria-label="People">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Account</th>
              <th scope="col">Since</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-testid="user-row">
                <th scope="row">{user.email}</th>
                <td data-label="Name">{user.name ?? '—'}</td>
                <td data-label="Account">
                  {user.super_admin ? <span className="badge">super admin</span> : null} {user.status === 'invited' ? <span className="badge">invited</span> : null}{' '}
                  {user.disabled ? <span className="badge badge-bad">disabled</span> : <span className="badge badge-good">enabled</span>}
                </td>
                <td data-label="Since">{time.dateTime(user.created_at)}</td>
                <td data-label="Actions">
                  {user.email === myEmail ? (
                    <span className="small muted">you (see Your account)</span>
                  ) : (
                    <>
                      {user.disabled ? (
                        <button type="button" onClick={() => update.mutate({ id: user.id, disabled: false })} disabled={update.isPending}>
                          Enable {user.email}
                        </button>
                      ) : (
                        <ConfirmButton
                          label={`Disable ${user.email}`}
                          question={`Disable ${user.email}? Their sessions end at once and they cannot sign in until enabled again.`}
                          onConfirm={() => update.mutate({ id: user.id, disabled: true })}
                          disabled={update.isPending}
                        />
                      )}
                      {user.status === 'active' ? <PasswordReset user={user} /> : null}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** A super admin sets a new password for someone (held to the same rule); their sessions end. */
function PasswordReset({ user }: { user: User }) {
  const next = useNewPassword(`reset-${user.id}`, { password: `New password for ${user.email}`, repeat: 'Repeat the new password' });
  const reset = useMutation({
    mutationFn: () => unwrap(api.PATCH('/users/{user_id}', { params: { path: { user_id: user.id } }, body: { password: next.password } })),
    onSuccess: () => next.reset(),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (next.confirm() && window.confirm(`Set a new password for ${user.email}? Their sessions end; tell them the new password.`)) reset.mutate();
  };
  return (
    <details>
      <summary>Reset password</summary>
      <form onSubmit={submit} aria-label={`Reset the password of ${user.email}`}>
        {next.fields}
        <ErrorMessage error={reset.error} title="Could not set the password" />
        {reset.isSuccess ? <p role="status">Password set. Their sessions have ended.</p> : null}
        <button type="submit" disabled={reset.isPending}>
          Set password
        </button>
      </form>
    </details>
  );
}

const ROLES: ProjectRole[] = ['viewer', 'editor', 'admin'];

/** Inviting is adding a member to a project: an email without an account gets a one-time link. */
function InviteForm() {
  const time = useTimeDisplay();
  const queryClient = useQueryClient();
  const projects = useQuery({ queryKey: ['projects'], queryFn: () => unwrap(api.GET('/projects')) });
  const [email, setEmail] = useState('');
  const [projectId, setProjectId] = useState('');
  const [role, setRole] = useState<ProjectRole>('viewer');
  const chosenProject = projectId || projects.data?.[0]?.id || '';
  const invite = useMutation({
    mutationFn: () =>
      unwrap(api.PUT('/projects/{project_id}/members/{email}', { params: { path: { project_id: chosenProject, email: email.trim() } }, body: { role } })),
    onSuccess: async () => {
      setEmail('');
      await queryClient.invalidateQueries({ queryKey: USERS });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <form onSubmit={submit} className="card" aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      <p className="small muted">
        They become a member of the project; without an account they get a one-time link to set their password (mailed, or in the server log without a mail server).
      </p>
      <div className="inline-form">
        <label htmlFor="invite-email">Email</label>
        <input id="invite-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="invite-project">Project</label>
        <select id="invite-project" required value={chosenProject} onChange={(e) => setProjectId(e.target.value)}>
          {projects.data?.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <label htmlFor="invite-role">Role</label>
        <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as ProjectRole)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={invite.isPending || !chosenProject}>
          Invite
        </button>
      </div>
      <ErrorMessage error={projects.error} title="Could not load the projects" />
      <ErrorMessage error={invite.error} title="Could not invite" />
      {invite.data ? (
        <p role="status">
          {invite.data.status === 'invited'
            ? `Invited ${invite.data.email} as ${invite.data.role}; the link is valid until ${time.dateTime(invite.data.invitation_expires_at)}.`
            : `${invite.data.email} already has an account and is now ${invite.data.role} of the project.`}
        </p>
      ) : null}
    </form>
  );
}
