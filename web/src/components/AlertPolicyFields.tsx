/**
 * An alert policy (`{after_failures, notify_recovery, realert_minutes}`) or "inherit" (null): on a task,
 * null means the project's policy; on a project, the installation's default.
 */
import { useId } from 'react';
import type { Schemas } from '../api/client';

export type AlertPolicy = Schemas['AlertPolicyBody'];

export interface AlertPolicyDraft {
  custom: boolean;
  after_failures: string;
  notify_recovery: boolean;
  realert_minutes: string;
}

export function alertDraftOf(policy: AlertPolicy | null | undefined): AlertPolicyDraft {
  return {
    custom: !!policy,
    after_failures: String(policy?.after_failures ?? 1),
    notify_recovery: policy?.notify_recovery ?? true,
    realert_minutes: policy?.realert_minutes ? String(policy.realert_minutes) : '',
  };
}

export function alertPolicyOf(draft: AlertPolicyDraft): AlertPolicy | null {
  if (!draft.custom) return null;
  return {
    after_failures: Number(draft.after_failures),
    notify_recovery: draft.notify_recovery,
    realert_minutes: draft.realert_minutes.trim() === '' ? null : Number(draft.realert_minutes),
  };
}

export function AlertPolicyFields({
  value,
  onChange,
  inheritLabel,
  legend = 'Alert policy',
}: {
  value: AlertPolicyDraft;
  onChange: (draft: AlertPolicyDraft) => void;
  inheritLabel: string;
  legend?: string;
}) {
  const id = useId();
  const set = <K extends keyof AlertPolicyDraft>(key: K, v: AlertPolicyDraft[K]) => onChange({ ...value, [key]: v });
  return (
    <fieldset className="alert-policy">
      <legend>{legend}</legend>
      <div className="row">
        <label htmlFor={`${id}-mode`}>Alerts follow</label>
        <select id={`${id}-mode`} value={value.custom ? 'custom' : 'inherit'} onChange={(e) => set('custom', e.target.value === 'custom')}>
          <option value="inherit">{inheritLabel}</option>
          <option value="custom">A custom policy</option>
        </select>
      </div>
      {value.custom ? (
        <>
          <div className="row-pair">
            <div className="row">
              <label htmlFor={`${id}-after`}>Alert after this many consecutive failures</label>
              <input id={`${id}-after`} type="number" min={1} step={1} required value={value.after_failures} onChange={(e) => set('after_failures', e.target.value)} />
            </div>
            <div className="row">
              <label htmlFor={`${id}-realert`}>Repeat the alert every (minutes; empty: alert once)</label>
              <input id={`${id}-realert`} type="number" min={1} step={1} value={value.realert_minutes} onChange={(e) => set('realert_minutes', e.target.value)} />
            </div>
          </div>
          <div className="row checkbox-row">
            <input id={`${id}-recovery`} type="checkbox" checked={value.notify_recovery} onChange={(e) => set('notify_recovery', e.target.checked)} />
            <label htmlFor={`${id}-recovery`}>Also alert on recovery (when a failing task succeeds again)</label>
          </div>
        </>
      ) : null}
    </fieldset>
  );
}
