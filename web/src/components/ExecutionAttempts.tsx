/**
 * The attempts of a retried execution (README "Retries"): each with its outcome, times and error, and
 * while RETRYING when the next one begins. Nothing for an execution of one attempt.
 */
import type { Execution } from '../api/client';
import { formatDateTime, formatDuration } from '../format';
import { StatusBadge } from './ui';

export function ExecutionAttempts({ execution }: { execution: Execution }) {
  if (execution.max_attempts <= 1) return null;
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
