import type { AlertContent, AlertKind } from '../../events/alert-events';

/** The mail subject (also in the webhook body and the audit trail). */
export function alertSubject(kind: AlertKind, content: AlertContent): string {
  const where = `${content.taskName} in ${content.projectName}`;
  switch (kind) {
    case 'failure':
      return `[Cron Observer] ${content.status}: ${where}`;
    case 'realert':
      return `[Cron Observer] Still failing (${content.consecutiveFailures} in a row, last ${content.status}): ${where}`;
    case 'recovery':
      return `[Cron Observer] Recovered: ${where}`;
    case 'long_running':
      return `[Cron Observer] Running too long: ${where}`;
    case 'slow':
      return `[Cron Observer] Slow run: ${where}`;
    case 'late_start':
      return `[Cron Observer] Started late: ${where}`;
  }
}
