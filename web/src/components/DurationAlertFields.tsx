/**
 * A task's duration and lateness alerts (`duration_alerts`): each threshold empty means off; all off
 * sends null.
 */
import { useId } from 'react';
import type { Schemas } from '../api/client';

export type DurationAlerts = Schemas['DurationAlertsBody'];

export interface DurationAlertsDraft {
  max_run_minutes: string;
  slower_than_p95_factor: string;
  p95_window_runs: string;
  max_start_delay_minutes: string;
}

const minutesOf = (seconds: number | null | undefined) => (seconds ? String(seconds / 60) : '');
const secondsOf = (minutes: string) => (minutes.trim() === '' ? null : Math.round(Number(minutes) * 60));

export function durationDraftOf(alerts: DurationAlerts | null | undefined): DurationAlertsDraft {
  return {
    max_run_minutes: minutesOf(alerts?.max_run_seconds),
    slower_than_p95_factor: alerts?.slower_than_p95_factor ? String(alerts.slower_than_p95_factor) : '',
    p95_window_runs: String(alerts?.p95_window_runs ?? 20),
    max_start_delay_minutes: minutesOf(alerts?.max_start_delay_seconds),
  };
}

export function durationAlertsOf(draft: DurationAlertsDraft): DurationAlerts | null {
  const alerts = {
    max_run_seconds: secondsOf(draft.max_run_minutes),
    slower_than_p95_factor: draft.slower_than_p95_factor.trim() === '' ? null : Number(draft.slower_than_p95_factor),
    p95_window_runs: Number(draft.p95_window_runs) || 20,
    max_start_delay_seconds: secondsOf(draft.max_start_delay_minutes),
  };
  const anyOn = alerts.max_run_seconds !== null || alerts.slower_than_p95_factor !== null || alerts.max_start_delay_seconds !== null;
  return anyOn ? alerts : null;
}

export function DurationAlertFields({ value, onChange }: { value: DurationAlertsDraft; onChange: (draft: DurationAlertsDraft) => void }) {
  const id = useId();
  const set = <K extends keyof DurationAlertsDraft>(key: K, v: DurationAlertsDraft[K]) => onChange({ ...value, [key]: v });
  return (
    <fieldset className="duration-alerts">
      <legend>Duration and lateness alerts (empty: off)</legend>
      <div className="row-pair">
        <div className="row">
          <label htmlFor={`${id}-max-run`}>Alert when a run is still running after (minutes)</label>
          <input id={`${id}-max-run`} type="number" min={1 / 60} step="any" value={value.max_run_minutes} onChange={(e) => set('max_run_minutes', e.target.value)} />
        </div>
        <div className="row">
          <label htmlFor={`${id}-late`}>Alert when a run starts later than its scheduled time by (minutes)</label>
          <input id={`${id}-late`} type="number" min={1 / 60} step="any" value={value.max_start_delay_minutes} onChange={(e) => set('max_start_delay_minutes', e.target.value)} />
        </div>
      </div>
      <div className="row-pair">
        <div className="row">
          <label htmlFor={`${id}-factor`}>Alert when a run is slower than this many times the p95</label>
          <input id={`${id}-factor`} type="number" min={1} step="any" value={value.slower_than_p95_factor} onChange={(e) => set('slower_than_p95_factor', e.target.value)} />
        </div>
        <div className="row">
          <label htmlFor={`${id}-window`}>p95 of the last (successful runs)</label>
          <input id={`${id}-window`} type="number" min={5} max={1000} step={1} value={value.p95_window_runs} onChange={(e) => set('p95_window_runs', e.target.value)} />
        </div>
      </div>
    </fieldset>
  );
}
