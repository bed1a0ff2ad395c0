/**
 * A task's or group's overlap policy and concurrency limit (README, "Overlap and concurrency"):
 * what a tick does while a run is still open, how many ticks may wait, how many runs may be open.
 */
import { useId } from 'react';

export type OverlapMode = 'allow' | 'forbid' | 'replace' | 'queue';

/** The fields as the API has them on tasks and groups. */
export interface OverlapFields {
  overlap_policy?: OverlapMode | null;
  max_queued?: number | null;
  max_concurrent?: number | null;
}

export interface OverlapDraft {
  /** '': inherited. */
  overlap_policy: OverlapMode | '';
  max_queued: string;
  max_concurrent: string;
}

const MODES: Array<[OverlapMode, string]> = [
  ['allow', 'Allow: start it alongside the open run'],
  ['forbid', 'Forbid: skip the tick (SKIPPED, alerted)'],
  ['replace', 'Replace: cancel the open run, start the new one'],
  ['queue', 'Queue: wait until the open run ends'],
];

export function overlapDraftOf(fields: OverlapFields | null | undefined): OverlapDraft {
  return {
    overlap_policy: fields?.overlap_policy ?? '',
    max_queued: fields?.max_queued ? String(fields.max_queued) : '',
    max_concurrent: fields?.max_concurrent ? String(fields.max_concurrent) : '',
  };
}

const wholeOrNull = (text: string) => (text.trim() === '' ? null : Number(text));

export function overlapFieldsOf(draft: OverlapDraft): Required<OverlapFields> {
  const policy = draft.overlap_policy || null;
  return {
    overlap_policy: policy,
    // The server refuses max_queued without queue: a value left in the field from before is not sent.
    max_queued: policy === 'queue' ? wholeOrNull(draft.max_queued) : null,
    max_concurrent: wholeOrNull(draft.max_concurrent),
  };
}

export function OverlapFieldsEditor({
  value,
  onChange,
  inheritLabel,
  concurrencyLabel,
}: {
  value: OverlapDraft;
  onChange: (draft: OverlapDraft) => void;
  /** What an empty policy inherits ("The group's or project's policy"). */
  inheritLabel: string;
  /** Left out: no concurrency limit to edit (a project's default policy). */
  concurrencyLabel?: string;
}) {
  const id = useId();
  const set = <K extends keyof OverlapDraft>(key: K, v: OverlapDraft[K]) => onChange({ ...value, [key]: v });
  return (
    <fieldset className="overlap">
      <legend>Overlap and concurrency</legend>
      <div className="row-pair">
        <div className="row">
          <label htmlFor={`${id}-policy`}>When a tick comes while a run is still open</label>
          <select id={`${id}-policy`} value={value.overlap_policy} onChange={(e) => set('overlap_policy', e.target.value as OverlapDraft['overlap_policy'])}>
            <option value="">{inheritLabel}</option>
            {MODES.map(([mode, label]) => (
              <option key={mode} value={mode}>
                {label}
              </option>
            ))}
          </select>
        </div>
        {value.overlap_policy === 'queue' && (
          <div className="row">
            <label htmlFor={`${id}-queued`}>Ticks that may wait (1–100; empty: 1)</label>
            <input id={`${id}-queued`} type="number" min={1} max={100} step={1} value={value.max_queued} onChange={(e) => set('max_queued', e.target.value)} />
          </div>
        )}
      </div>
      {concurrencyLabel ? (
        <div className="row">
          <label htmlFor={`${id}-concurrent`}>{concurrencyLabel}</label>
          <input id={`${id}-concurrent`} type="number" min={1} max={1000} step={1} value={value.max_concurrent} onChange={(e) => set('max_concurrent', e.target.value)} />
        </div>
      ) : null}
    </fieldset>
  );
}
