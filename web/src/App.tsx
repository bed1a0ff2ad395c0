import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, unwrap } from './api/client';
import { ErrorMessage, Loading } from './components/ui';
import { AccountPage } from './pages/AccountPage';
import { AuditPage } from './pages/AuditPage';
import { InvitePage } from './pages/InvitePage';
import { LoginPage } from './pages/LoginPage';
import { ProjectPage } from './pages/ProjectPage';
import { ProjectStatsPage } from './pages/ProjectStatsPage';
import { ProjectsPage } from './pages/ProjectsPage';
import { QuarantineBanner, QuarantinePage } from './pages/QuarantinePage';
import { SettingsPage } from './pages/SettingsPage';
import { TaskFormPage } from './pages/TaskFormPage';
import { TaskPage } from './pages/TaskPage';
import { UsersPage } from './pages/UsersPage';
import { Link, matchRoute, navigate, usePath } from './router';
import { accessIn, useMe } from './session';
import { QuickSearch } from './components/QuickSearch';
import { TimeRuleSwitch } from './components/TimeRuleSwitch';
import { setTimeRuleOwner } from './time-rule';

export function App() {
  const path = usePath();
  const route = matchRoute(path);
  const me = useMe();
  const queryClient = useQueryClient();
  const logout = useMutation({
    mutationFn: () => unwrap(api.POST('/auth/logout')),
    onSuccess: () => {
      queryClient.clear();
      queryClient.setQueryData(['me'], null);
      navigate('/login', { replace: true });
    },
  });

  const signedOut = me.data === null;
  setTimeRuleOwner(me.data?.user.id ?? '');
  useEffect(() => {
    if (signedOut && route.page !== 'login' && route.page !== 'invite') navigate('/login', { replace: true });
    if (me.data && route.page === 'login') navigate('/', { replace: true });
  }, [signedOut, me.data, route.page]);

  if (route.page === 'invite') return <InvitePage token={route.token} />;
  if (me.isPending) return <Loading what="your session" />;
  if (me.isError)
    return (
      <main className="page">
        <ErrorMessage error={me.error} title="Cannot reach Cron Observer" />
        <button type="button" onClick={() => void me.refetch()}>
          Try again
        </button>
      </main>
    );
  if (!me.data || route.page === 'login') return <LoginPage />;

  const projectId = 'projectId' in route ? route.projectId : undefined;
  const access = accessIn(me.data, projectId);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Cron Observer
        </Link>
        <nav aria-label="Main">
          <Link to="/">Projects</Link>
          {me.data.super_admin ? <Link to="/admin/users">People</Link> : null}
        </nav>
        <QuickSearch />
        <TimeRuleSwitch compact />
        <div className="who" aria-label="Signed in as">
          <Link to="/account" className="who-email" title="Your account">
            {me.data.user.email}
          </Link>
          {access.label ? <span className="badge role" data-testid="current-role">{access.label}</span> : null}
          <button type="button" className="link-button" onClick={() => logout.mutate()} disabled={logout.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <ErrorMessage error={logout.error} title="Could not sign out" />
      <main className="page" id="main" tabIndex={-1}>
        {route.page === 'quarantine' ? null : <QuarantineBanner superAdmin={me.data.super_admin} />}
        {route.page === 'quarantine' ? <QuarantinePage superAdmin={me.data.super_admin} /> : null}
        {route.page === 'account' ? <AccountPage email={me.data.user.email} /> : null}
        {route.page === 'users' ? <UsersPage superAdmin={me.data.super_admin} myEmail={me.data.user.email} /> : null}
        {route.page === 'projects' ? <ProjectsPage me={me.data} /> : null}
        {route.page === 'project' ? <ProjectPage projectId={route.projectId} access={access} /> : null}
        {route.page === 'audit' ? <AuditPage projectId={route.projectId} /> : null}
        {route.page === 'project-stats' ? <ProjectStatsPage projectId={route.projectId} /> : null}
        {route.page === 'settings' ? <SettingsPage projectId={route.projectId} access={access} /> : null}
        {route.page === 'new-task' ? <TaskFormPage projectId={route.projectId} access={access} /> : null}
        {route.page === 'edit-task' ? <TaskFormPage projectId={route.projectId} taskId={route.taskId} access={access} /> : null}
        {route.page === 'task' ? <TaskPage projectId={route.projectId} taskId={route.taskId} access={access} /> : null}
        {route.page === 'not-found' ? (
          <p>
            There is no page at {path}. <Link to="/">Back to the projects</Link>
          </p>
        ) : null}
      </main>
    </>
  );
}
