import { useCopy } from './useCopy';

/** A URL (or any text) to hand on, with a copy button. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const { copied, copy } = useCopy(value);
  return (
    <div className="copy-field">
      <span className="copy-label">{label}</span>
      <code className="mono" aria-label={label}>
        {value}
      </code>
      <button type="button" onClick={() => void copy()} aria-label={`Copy ${label}`}>
        Copy
      </button>
      <span className="small" aria-live="polite">
        {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'The browser refused the clipboard; select the text and copy it.' : ''}
      </span>
    </div>
  );
}
