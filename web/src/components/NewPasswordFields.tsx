/** A new password and its repetition, with the rule every password set is held to. */
import { type ReactElement, useState } from 'react';

export interface NewPassword {
  password: string;
  /** Whether the repetition matches; shows the mismatch when it does not. */
  confirm(): boolean;
  reset(): void;
  fields: ReactElement;
}

export function useNewPassword(idPrefix: string, labels: { password: string; repeat: string }): NewPassword {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const fields = (
    <>
      <div className="row">
        <label htmlFor={`${idPrefix}-password`}>{labels.password}</label>
        <input
          id={`${idPrefix}-password`}
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          aria-describedby={`${idPrefix}-password-rule`}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p id={`${idPrefix}-password-rule`} className="small muted">
          At least 12 characters, and hard to guess: a few uncommon words make a good one.
        </p>
      </div>
      <div className="row">
        <label htmlFor={`${idPrefix}-repeat`}>{labels.repeat}</label>
        <input id={`${idPrefix}-repeat`} type="password" autoComplete="new-password" required value={repeat} aria-invalid={mismatch} onChange={(e) => setRepeat(e.target.value)} />
      </div>
      {mismatch ? (
        <p className="field-error" role="alert">
          The two passwords differ.
        </p>
      ) : null}
    </>
  );
  return {
    password,
    confirm: () => {
      setMismatch(password !== repeat);
      return password === repeat;
    },
    reset: () => {
      setPassword('');
      setRepeat('');
    },
    fields,
  };
}
