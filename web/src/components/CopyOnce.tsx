import { useCopy } from './useCopy';

/** A secret shown this once, with a copy button. */
export function CopyOnce({ label, value, onDone }: { label: string; value: string; onDone?: () => void }) {
  const { copied, copy } = useCopy(value);
  return (
    <div className="secret" role="region" aria-label={label}>
      <p>
        <strong>{label}</strong> — shown only this once: copy it now.
      </p>
      <div className="secret-row">
        <code className="mono" data-testid="secret-value">
          {value}
        </code>
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
        {onDone ? (
          <button type="button" onClick={onDone}>
            Done
          </button>
        ) : null}
      </div>
      <p className="small" aria-live="polite">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'The browser refused the clipboard; select the text and copy it.' : ''}
      </p>
    </div>
  );
}
