/** Accepting an invitation from its one-time link `/invite/<token>`: set a password (and a name), then sign in. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import { useNewPassword } from '../components/NewPasswordFields';
import { ErrorMessage } from '../components/ui';
import { navigate } from '../router';

export function InvitePage({ token }: { token: string }) {
  const [name, setName] = useState('');
  const chosen = useNewPassword('invite', { password: 'New password', repeat: 'Repeat the password' });
  const password = chosen.password;
  const queryClient = useQueryClient();
  const accept = useMutation({
    mutationFn: async () => {
      const user = await unwrap(
        api.POST('/auth/invitations/{token}/accept', { params: { path: { token } }, body: { ...(name.trim() ? { name: name.trim() } : {}), password } }),
      );
      await unwrap(api.POST('/auth/login', { body: { email: user.email, password } }));
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      navigate('/', { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (chosen.confirm()) accept.mutate();
  };
  return (
    <main className="login">
      <form onSubmit={submit} className="card" aria-labelledby="invite-title">
        <h1 id="invite-title">Accept your invitation</h1>
        <p className="muted">Choose a password; you then sign in with the address you were invited at.</p>
        <div className="row">
          <label htmlFor="invite-name">Your name (optional)</label>
          <input id="invite-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        {chosen.fields}
        <ErrorMessage error={accept.error} title="Could not accept the invitation" />
        <button type="submit" className="primary" disabled={accept.isPending}>
          {accept.isPending ? 'Accepting…' : 'Accept and sign in'}
        </button>
      </form>
    </main>
  );
}
