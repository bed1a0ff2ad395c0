import { isDurationAlertKind } from '../../../events/alert-events';
import type { ChannelMessage } from './channel-message';

/** PagerDuty's Events API v2 endpoint, unless the channel or PAGERDUTY_EVENTS_URL names another. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * An Events API v2 event. The incident id is the `dedup_key`, so the first alert opens one PagerDuty
 * incident, re-alerts fold into it, and the recovery resolves it; a retry repeats the same event. A duration
 * alert (too long, slow, late) is a warning under its own key: nothing resolves it but the responder.
 */
export function pagerDutyPayload(message: ChannelMessage, routingKey: string): Record<string, unknown> {
  if (message.kind === 'recovery') return { routing_key: routingKey, event_action: 'resolve', dedup_key: message.dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: message.dedupKey,
    payload: {
      summary: message.title.slice(0, 1024),
      source: message.projectName.slice(0, 255) || 'cron-observer',
      severity: message.kind === 'test' ? 'info' : isDurationAlertKind(message.kind) ? 'warning' : 'error',
      timestamp: message.timestamp,
      component: message.taskName || undefined,
      group: message.projectName,
      class: message.kind,
      custom_details: {
        headline: message.headline,
        ...Object.fromEntries(message.facts.map((f) => [f.label, f.value])),
        ...(message.logs.length > 0 ? { logs: message.logs } : {}),
        alert_id: message.alertId,
      },
    },
    links: [{ href: message.link, text: 'Open in Cron Observer' }],
    client: 'Cron Observer',
    client_url: message.link,
  };
}
