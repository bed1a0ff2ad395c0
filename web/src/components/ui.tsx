import type { ReactNode } from 'react';
import { errorText, type ExecutionStatus, FAILURE_STATUSES } from '../api/client';

export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {errorText(error)}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function StatusBadge({ status }: { status: ExecutionStatus | string | null | undefined }) {
  if (!status) return <span className="badge">never ran</span>;
  const tone = FAILURE_STATUSES.includes(status as ExecutionStatus)
    ? 'bad'
    : status === 'SUCCESS' || status === 'ACTIVE'
      ? 'good'
      : status === 'RUNNING' || status === 'PENDING' || status === 'QUEUED'
        ? 'busy'
        : status === 'RETRYING'
          ? 'warn'
          : 'neutral';
  return <span className={`badge badge-${tone}`}>{status.replace('_', ' ')}</span>;
}

/** A button that asks before doing something that cannot be undone. */
export function ConfirmButton({ label, question, onConfirm, disabled, className }: { label: string; question: string; onConfirm: () => void; disabled?: boolean; className?: string }) {
  return (
    <button
      type="button"
      className={className ?? 'danger'}
      disabled={disabled}
      onClick={() => {
        if (window.confirm(question)) onConfirm();
      }}
    >
      {label}
    </button>
  );
}
