/** Accepting an invitation from its one-time link `/invite/<token>`: set a password (and a name), then sign in. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import { ErrorMessage } from '../components/ui';
import { navigate } from '../router';

export function InvitePage({ token }: { token: string }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
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
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    accept.mutate();
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
        <div className="row">
          <label htmlFor="invite-password">New password</label>
          <input
            id="invite-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            aria-describedby="invite-password-rule"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p id="invite-password-rule" className="small muted">
            At least 12 characters, and hard to guess: a few uncommon words make a good one.
          </p>
        </div>
        <div className="row">
          <label htmlFor="invite-repeat">Repeat the password</label>
          <input
            id="invite-repeat"
            type="password"
            autoComplete="new-password"
            required
            value={repeat}
            aria-invalid={mismatch}
            onChange={(e) => setRepeat(e.target.value)}
          />
        </div>
        {mismatch ? (
          <p className="field-error" role="alert">
            The two passwords differ.
          </p>
        ) : null}
        <ErrorMessage error={accept.error} title="Could not accept the invitation" />
        <button type="submit" className="primary" disabled={accept.isPending}>
          {accept.isPending ? 'Accepting…' : 'Accept and sign in'}
        </button>
      </form>
    </main>
  );
}
