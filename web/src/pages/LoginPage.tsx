import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import { ErrorMessage } from '../components/ui';
import { navigate } from '../router';

/**
 * Email and password, and the single sign-on button when the server has one (GET /auth/config). With
 * OIDC_SSO_ONLY the password form is only for the break-glass admin, behind "Administrator sign-in".
 */
export function LoginPage() {
  const options = useQuery({ queryKey: ['sign-in-options'], queryFn: () => unwrap(api.GET('/auth/config')), staleTime: Infinity });
  const [adminForm, setAdminForm] = useState(false);
  const sso = options.data?.sso ?? null;
  const ssoOnly = options.data?.password_sign_in === 'break_glass_only';
  return (
    <main className="login">
      <section className="card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Cron Observer</h1>
        {sso ? (
          <p>
            <a className="button primary" href={sso.login_url}>
              {sso.label}
            </a>
          </p>
        ) : null}
        {ssoOnly && !adminForm ? (
          <button type="button" className="link-button small" onClick={() => setAdminForm(true)}>
            Administrator sign-in
          </button>
        ) : options.isPending ? null : (
          <PasswordForm breakGlass={ssoOnly} />
        )}
      </section>
    </main>
  );
}

function PasswordForm({ breakGlass }: { breakGlass: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const queryClient = useQueryClient();
  const login = useMutation({
    mutationFn: () => unwrap(api.POST('/auth/login', { body: { email, password } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      navigate('/', { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <form onSubmit={submit}>
      {breakGlass ? <p className="small muted">Password sign-in is for the break-glass administrator only.</p> : null}
      <div className="row">
        <label htmlFor="login-email">Email</label>
        <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="row">
        <label htmlFor="login-password">Password</label>
        <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </div>
      <ErrorMessage error={login.error} title="Sign-in failed" />
      <button type="submit" className="primary" disabled={login.isPending}>
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="small muted">The first administrator's password is printed when the server first starts (and kept in DATA_DIR/initial-admin.txt).</p>
    </form>
  );
}
