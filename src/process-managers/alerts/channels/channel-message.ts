import type { PendingDelivery } from '../../../commands/alerts/alert-state';
import type { AlertKind } from '../../../events/alert-events';
import type { LogLine } from '../../../events/execution-log-events';
import { alertFacts, alertHeadline, clip } from '../alert-message';

/** What every chat or paging channel says, before each vendor shapes it. */
export interface ChannelMessage {
  /** `test`: the "send test alert" button. */
  kind: AlertKind | 'test';
  /** `[Cron Observer] FAILED: nightly in Billing` */
  title: string;
  headline: string;
  facts: Array<{ label: string; value: string }>;
  /** The last log lines (none for a recovery). */
  logs: string[];
  link: string;
  /** Stable for the whole incident, so a pager groups the trigger, re-alerts and the resolve. */
  dedupKey: string;
  alertId: string;
  /** When the execution ended (the test: when it was sent). */
  timestamp: string;
  projectName: string;
  taskName: string;
}

/** Chat messages show fewer lines than the mail: vendors cap message sizes (Slack 3,000 characters a block). */
const CHANNEL_LOG_LINES = 10;
const CHANNEL_LINE_CHARS = 200;

export function channelMessage(delivery: PendingDelivery, logTail: LogLine[]): ChannelMessage {
  const c = delivery.content;
  const facts = [
    { label: 'Task', value: c.taskName },
    { label: 'Project', value: c.projectName },
    ...alertFacts(delivery).map((f) => (f.label === 'Error' ? { label: f.label, value: clip(f.value).slice(0, 500) } : f)),
  ];
  const logs = delivery.kind === 'recovery' ? [] : logTail.slice(-CHANNEL_LOG_LINES).map((l) => `[${l.level}] ${l.message.slice(0, CHANNEL_LINE_CHARS)}`);
  return {
    kind: delivery.kind,
    title: delivery.subject,
    headline: alertHeadline(delivery),
    facts,
    logs,
    link: c.link,
    dedupKey: delivery.incidentId,
    alertId: delivery.alertId,
    timestamp: c.endedAt,
    projectName: c.projectName,
    taskName: c.taskName,
  };
}

/** The test alert: says plainly that it is one, and pages under its own key (never an incident's). */
export function testMessage(projectName: string, channelId: string, link: string, now: Date): ChannelMessage {
  return {
    kind: 'test',
    title: `[Cron Observer] Test alert for ${projectName}`,
    headline: `This is a test alert from Cron Observer: the channel ${channelId} works.`,
    facts: [{ label: 'Project', value: projectName }],
    logs: [],
    link,
    dedupKey: `cron-observer-test-${channelId}`,
    alertId: `test-${now.getTime()}`,
    timestamp: now.toISOString(),
    projectName,
    taskName: '',
  };
}
