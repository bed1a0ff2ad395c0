/**
 * A task's retry policy (`retry`): attempts empty (or 1) means no retries and sends null. The server
 * checks the combinations (README "Retries") and names the field in its 400.
 */
import { useId } from 'react';
import type { Schemas } from '../api/client';

export type Retry = Schemas['RetryBody'];
type Outcome = Schemas['RetryOutcome'];
const OUTCOMES: Array<[Outcome, string]> = [
  ['FAILED', 'Failed'],
  ['TIMED_OUT', 'Timed out'],
  ['DISPATCH_FAILED', 'Dispatch failed (push)'],
];

export interface RetryDraft {
  max_attempts: string;
  backoff: 'fixed' | 'exponential';
  delay_seconds: string;
  max_delay_seconds: string;
  jitter: boolean;
  on: Outcome[];
  alert: 'exhausted' | 'every_attempt';
}

export function retryDraftOf(retry: Retry | null | undefined): RetryDraft {
  return {
    max_attempts: retry ? String(retry.max_attempts) : '',
    backoff: retry?.backoff ?? 'exponential',
    delay_seconds: retry ? String(retry.delay_seconds) : '60',
    max_delay_seconds: retry?.max_delay_seconds ? String(retry.max_delay_seconds) : '',
    jitter: retry?.jitter ?? false,
    on: retry?.on ?? ['FAILED', 'TIMED_OUT'],
    alert: retry?.alert ?? 'exhausted',
  };
}

export function retryOf(draft: RetryDraft): Retry | null {
  const attempts = Number(draft.max_attempts);
  if (draft.max_attempts.trim() === '' || attempts <= 1) return null;
  return {
    max_attempts: attempts,
    backoff: draft.backoff,
    delay_seconds: Number(draft.delay_seconds),
    max_delay_seconds: draft.backoff === 'exponential' && draft.max_delay_seconds.trim() !== '' ? Number(draft.max_delay_seconds) : null,
    jitter: draft.jitter,
    on: draft.on,
    alert: draft.alert,
  };
}

export function RetryFields({ value, onChange }: { value: RetryDraft; onChange: (draft: RetryDraft) => void }) {
  const id = useId();
  const set = <K extends keyof RetryDraft>(key: K, v: RetryDraft[K]) => onChange({ ...value, [key]: v });
  const toggle = (outcome: Outcome, on: boolean) => set('on', on ? [...value.on, outcome] : value.on.filter((o) => o !== outcome));
  const enabled = retryOf(value) !== null;
  return (
    <fieldset className="retry">
      <legend>Retries (attempts empty: none)</legend>
      <div className="row-pair">
        <div className="row">
          <label htmlFor={`${id}-attempts`}>Attempts in all (2–20)</label>
          <input id={`${id}-attempts`} type="number" min={2} max={20} step={1} value={value.max_attempts} onChange={(e) => set('max_attempts', e.target.value)} />
        </div>
        <div className="row">
          <label htmlFor={`${id}-backoff`}>Backoff</label>
          <select id={`${id}-backoff`} value={value.backoff} disabled={!enabled} onChange={(e) => set('backoff', e.target.value as RetryDraft['backoff'])}>
            <option value="exponential">Exponential (doubles each time)</option>
            <option value="fixed">Fixed</option>
          </select>
        </div>
      </div>
      <div className="row-pair">
        <div className="row">
          <label htmlFor={`${id}-delay`}>First delay (seconds)</label>
          <input id={`${id}-delay`} type="number" min={1} step={1} disabled={!enabled} value={value.delay_seconds} onChange={(e) => set('delay_seconds', e.target.value)} />
        </div>
        <div className="row">
          <label htmlFor={`${id}-max-delay`}>Longest delay (seconds; empty: no cap)</label>
          <input id={`${id}-max-delay`} type="number" min={1} step={1} disabled={!enabled || value.backoff === 'fixed'} value={value.max_delay_seconds} onChange={(e) => set('max_delay_seconds', e.target.value)} />
        </div>
      </div>
      <div className="row">
        <label>
          <input type="checkbox" disabled={!enabled} checked={value.jitter} onChange={(e) => set('jitter', e.target.checked)} /> Jitter (each delay between half of it and all of it)
        </label>
      </div>
      <div className="row">
        <span>Retry when an attempt is:</span>
        {OUTCOMES.map(([outcome, label]) => (
          <label key={outcome}>
            <input type="checkbox" disabled={!enabled} checked={value.on.includes(outcome)} onChange={(e) => toggle(outcome, e.target.checked)} /> {label}
          </label>
        ))}
      </div>
      <div className="row">
        <label htmlFor={`${id}-alert`}>Alert</label>
        <select id={`${id}-alert`} value={value.alert} disabled={!enabled} onChange={(e) => set('alert', e.target.value as RetryDraft['alert'])}>
          <option value="exhausted">When the last attempt failed</option>
          <option value="every_attempt">On every failed attempt</option>
        </select>
      </div>
    </fieldset>
  );
}
