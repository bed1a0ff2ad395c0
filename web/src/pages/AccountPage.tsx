/** The signed-in person's own account: change the password (the current one proves it is them). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import { useNewPassword } from '../components/NewPasswordFields';
import { TimeRuleSwitch } from '../components/TimeRuleSwitch';
import { OwnSessions } from '../components/OwnSessions';
import { ErrorMessage } from '../components/ui';

export function AccountPage({ email }: { email: string }) {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const next = useNewPassword('new', { password: 'New password', repeat: 'Repeat the new password' });
  const change = useMutation({
    mutationFn: () => unwrap(api.POST('/auth/password', { body: { current_password: current, new_password: next.password } })),
    onSuccess: () => {
      setCurrent('');
      next.reset();
      void queryClient.invalidateQueries({ queryKey: ['own-sessions'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (next.confirm()) change.mutate();
  };
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <p className="muted">Signed in as {email}.</p>
      <TimeRuleSwitch />
      <form onSubmit={submit} className="card" aria-labelledby="password-title">
        <h2 id="password-title">Change your password</h2>
        <p className="small muted">You stay signed in here; every other session of yours ends.</p>
        <div className="row">
          <label htmlFor="current-password">Current password</label>
          <input id="current-password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </div>
        {next.fields}
        <ErrorMessage error={change.error} title="Could not change the password" />
        {change.isSuccess ? (
          <p role="status">
            Your password is changed. Your other sessions have ended.
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={change.isPending}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </form>
      <OwnSessions />
    </section>
  );
}
