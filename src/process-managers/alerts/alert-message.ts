import type { PendingDelivery } from '../../commands/alerts/alert-state';
import { isDurationAlertKind } from '../../events/alert-events';
import type { LogLine } from '../../events/execution-log-events';

/** How many of the execution's last log lines an alert shows. */
export const ALERT_LOG_LINES = 20;

export interface AlertMessage {
  subject: string;
  text: string;
  html: string;
}

/** The mail: plain text and simple HTML saying the same. */
export function renderAlertMail(delivery: PendingDelivery, logTail: LogLine[]): AlertMessage {
  const c = delivery.content;
  const headline = alertHeadline(delivery);
  const rows: Array<[string, string]> = [
    ['Task', `${c.taskName} (${delivery.taskId})`],
    ['Project', `${c.projectName} (${delivery.projectId})`],
    ['Execution', delivery.executionId],
    ...alertFacts(delivery).map((f): [string, string] => [f.label, f.value]),
  ];
  const showLogs = delivery.kind !== 'recovery';
  const logs = logTail.map((line) => `[${line.level}] ${clip(line.message)}`);

  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const text = [
    headline,
    '',
    ...rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
    ...(showLogs ? ['', `Last ${logs.length} log line${logs.length === 1 ? '' : 's'}:`, ...(logs.length ? logs.map((l) => `  ${l}`) : ['  (none)'])] : []),
    '',
    `Open in Cron Observer: ${c.link}`,
    '',
    '-- ',
    `Cron Observer alert ${delivery.alertId} (incident ${delivery.incidentId})`,
  ].join('\n');

  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<p><strong>${escapeHtml(headline)}</strong></p>`,
    '<table cellpadding="4" style="border-collapse: collapse">',
    ...rows.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`),
    '</table>',
    ...(showLogs
      ? [`<p>Last ${logs.length} log lines:</p>`, `<pre style="background: #f4f4f4; padding: 8px">${escapeHtml(logs.join('\n') || '(none)')}</pre>`]
      : []),
    `<p><a href="${escapeHtml(c.link)}">Open in Cron Observer</a></p>`,
    `<p style="color: #888; font-size: small">Cron Observer alert ${escapeHtml(delivery.alertId)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: delivery.subject, text, html };
}

/** The facts every alert lists after naming the task (mail rows, chat fields). */
export function alertFacts(delivery: Pick<PendingDelivery, 'kind' | 'content'>): Array<{ label: string; value: string }> {
  const c = delivery.content;
  if (isDurationAlertKind(delivery.kind)) {
    return [
      { label: 'Status', value: c.status },
      { label: 'Measured at', value: c.endedAt },
      { label: 'Threshold', value: c.detail ?? '' },
    ];
  }
  const facts = [
    { label: 'Status', value: c.status },
    { label: 'Ended at', value: c.endedAt },
  ];
  if (delivery.kind !== 'recovery') facts.push({ label: 'Failures in a row', value: String(c.consecutiveFailures) });
  if (c.error !== null) facts.push({ label: 'Error', value: c.error });
  return facts;
}

/** One sentence saying what happened (the mail's first line, a chat message's title). */
export function alertHeadline(delivery: Pick<PendingDelivery, 'kind' | 'content'>): string {
  const c = delivery.content;
  if (isDurationAlertKind(delivery.kind)) return `${c.taskName}: ${c.detail ?? delivery.kind}.`;
  if (delivery.kind === 'recovery') return `${c.taskName} succeeded again: the incident is resolved.`;
  if (delivery.kind === 'realert') return `${c.taskName} is still failing (${c.consecutiveFailures} failures in a row).`;
  return `${c.taskName} ended with ${c.status}${c.consecutiveFailures > 1 ? ` (${c.consecutiveFailures} failures in a row)` : ''}.`;
}

/** The webhook body: the same facts as JSON (snake_case, like the API). */
export function renderAlertWebhook(delivery: PendingDelivery, logTail: LogLine[]): Record<string, unknown> {
  const c = delivery.content;
  return {
    type: 'alert',
    kind: delivery.kind,
    alert_id: delivery.alertId,
    incident_id: delivery.incidentId,
    message_id: delivery.messageId,
    subject: delivery.subject,
    project: { id: delivery.projectId, name: c.projectName },
    task: { id: delivery.taskId, name: c.taskName },
    execution: { id: delivery.executionId, status: c.status, error: c.error, ended_at: c.endedAt },
    consecutive_failures: c.consecutiveFailures,
    ...(c.detail === undefined ? {} : { detail: c.detail }),
    link: c.link,
    logs: delivery.kind === 'recovery' ? [] : logTail.map((l) => ({ level: l.level, message: clip(l.message), timestamp: l.timestamp ?? l.receivedAt })),
    intended_at: delivery.intendedAt,
  };
}

/** A log line may be 16 KB; an alert quotes the start of each. */
const MAX_LINE_CHARS = 2000;

export function clip(message: string): string {
  return message.length <= MAX_LINE_CHARS ? message : `${message.slice(0, MAX_LINE_CHARS)}…`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
