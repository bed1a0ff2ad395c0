import { pingSnippets } from '../ping-snippets';
import { useCopy } from './useCopy';

/** One line to copy, with its button. */
export function CopyLine({ label, value }: { label: string; value: string }) {
  const { copied, copy } = useCopy(value);
  return (
    <div className="ping-line">
      <p className="small muted">{label}</p>
      <div className="secret-row">
        <code className="mono" data-testid="ping-snippet">
          {value}
        </code>
        <button type="button" onClick={() => void copy()} aria-label={`Copy: ${label}`}>
          Copy
        </button>
        <span className="small" aria-live="polite">
          {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Select the text and copy it.' : ''}
        </span>
      </div>
    </div>
  );
}

/**
 * A task's Healthchecks-compatible ping URL and ready-made ways to use it (ping-snippets.ts): a crontab
 * line reporting the exit status, a shell wrapper that also sends the output as the log, and
 * `cron-observer exec` through the API.
 */
export function PingSnippets({ pingUrl, projectId, taskName }: { pingUrl: string; projectId: string; taskName: string }) {
  return (
    <section className="card" aria-labelledby="ping-title">
      <h2 id="ping-title">Ping URL</h2>
      <p className="small muted">
        Healthchecks-compatible: add <code>/start</code>, <code>/fail</code>, <code>/log</code> or <code>/&lt;exit status&gt;</code>, and{' '}
        <code>?rid=&lt;uuid&gt;</code> to tell concurrent runs apart. No API key needed: keep the URL secret.
      </p>
      {pingSnippets(pingUrl, projectId, taskName).map((snippet) => (
        <CopyLine key={snippet.label} label={snippet.label} value={snippet.value} />
      ))}
    </section>
  );
}
