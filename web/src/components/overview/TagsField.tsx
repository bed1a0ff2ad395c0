import { useId } from 'react';

/** The tags a comma- or space-separated text gives, as the task form sends them. */
export const tagsOf = (text: string) => text.split(/[\s,]+/).filter((tag) => tag !== '');

/** A task's tags: typed as text, shown as the badges the overview will show (and filter by). */
export function TagsField({ value, onChange }: { value: string; onChange: (text: string) => void }) {
  const id = useId();
  const tags = tagsOf(value);
  return (
    <div className="row">
      <label htmlFor={id}>Tags (lowercase, comma-separated; badges can show a tag&apos;s tasks)</label>
      <input id={id} value={value} placeholder="nightly, billing" aria-describedby={`${id}-shown`} onChange={(e) => onChange(e.target.value)} />
      <span id={`${id}-shown`} className="small muted">
        {tags.length === 0 ? 'No tags.' : `Shown as: ${tags.join(', ')}`}
      </span>
    </div>
  );
}
