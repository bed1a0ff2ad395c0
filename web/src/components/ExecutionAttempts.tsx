/**
 * The attempts of a retried execution (README "Retries"): each with its outcome, times and error, and
 * while RETRYING when the next one begins. Nothing for an execution of one attempt.
 */
import type { Execution } from '../api/client';
import { formatDuration } from '../format';
import { useTimeDisplay } from '../time-rule';
import { StatusBadge } from './ui';

export function ExecutionAttempts({ execution, ownZone }: { execution: Execution; ownZone?: string | null }) {
  const times = useTimeDisplay();
  if (execution.max_attempts <= 1) return null;
  const formatDateTime = (iso: string | null | undefined) => times.dateTime(iso, ownZone);
  return (
    <div className="attempts">
      <p className="small muted">
        Attempt {execution.attempt} of {execution.max_attempts}
        {execution.status === 'RETRYING' && execution.next_attempt_at ? ` · next attempt at ${formatDateTime(execution.next_attempt_at)}` : ''}
      </p>
      {execution.attempts.length > 1 || execution.status === 'RETRYING' ? (
        <ol className="attempt-list small" aria-label="Attempts">
          {execution.attempts.map((attempt) => (
            <li key={attempt.attempt}>
              Attempt {attempt.attempt}: <StatusBadge status={attempt.outcome} /> began {formatDateTime(attempt.started_at)}
              {attempt.ended_at ? `, ended ${formatDateTime(attempt.ended_at)} (${formatDuration(attempt.duration_ms)})` : ''}
              {attempt.error ? ` · ${attempt.error}` : ''}
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
