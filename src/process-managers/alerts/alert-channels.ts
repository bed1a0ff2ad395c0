import type { NodemailerError } from 'nodemailer';
import type { SendResult } from '../../commands/alerts/alert-commands';
import type { PendingDelivery } from '../../commands/alerts/alert-state';
import type { LogLine } from '../../events/execution-log-events';
import type { MailTransport } from '../../mail/mail-transport';
import type { OutboundRules } from '../../outbound/outbound-policy';
import { renderAlertMail, renderAlertWebhook } from './alert-message';
import { describeError, postAlert } from './channels/post-alert';
import { SIGNATURE_HEADER, signatureHeader, TIMESTAMP_HEADER } from '../dispatcher/webhook-signature';

/** Sends one attempt of a delivery; never throws (every failure is a SendResult). */
export interface AlertSender {
  send(delivery: PendingDelivery, logTail: LogLine[]): Promise<SendResult>;
}

/** Email through the server's mail transport (SMTP_URL, from SMTP_FROM). */
export class EmailSender implements AlertSender {
  constructor(private readonly mail: MailTransport) {}

  async send(delivery: PendingDelivery, logTail: LogLine[]): Promise<SendResult> {
    const mail = renderAlertMail(delivery, logTail);
    try {
      const { response, rejected } = await this.mail.send({
        to: delivery.recipients,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: delivery.messageId,
        inReplyTo: delivery.inReplyTo ?? undefined,
        headers: { 'X-Cron-Observer-Alert-Id': delivery.alertId, 'Auto-Submitted': 'auto-generated' },
      });
      return { ok: true, response: rejected.length ? `${response}; rejected: ${rejected.join(', ')}` : response };
    } catch (err) {
      const error = err as NodemailerError & { responseCode?: number };
      // A permanent SMTP refusal (5xx) of the message or its recipients will not change by retrying; bad
      // credentials might (the operator fixes SMTP_URL and restarts), so they are retried like an outage.
      const permanent = error.permanent === true && error.code !== 'EAUTH';
      const outcome = typeof error.responseCode === 'number' ? 'mail_error' : error.code === 'ETIMEDOUT' ? 'timeout' : 'network_error';
      return { ok: false, reason: describeError(error), permanent, outcome };
    }
  }
}

/**
 * POSTs the alert as JSON to the project's alert webhook, signed with its signing secret(s) like a dispatch,
 * through the same sender and the outbound policy for alert channels (src/outbound).
 * 2xx: sent. 408, 429, 5xx, no answer: retried. Any other answer (a redirect too: never followed) and a
 * refused address: given up. Receivers de-duplicate by `X-Cron-Observer-Alert-Id` (a retry repeats the same alert).
 */
export class WebhookSender implements AlertSender {
  constructor(
    /** The project's secrets to sign with at `nowMs`: the current one, then the previous one during its grace period. */
    private readonly secretsOf: (projectId: string, nowMs: number) => string[],
    private readonly now: () => Date,
    private readonly outbound: OutboundRules,
  ) {}

  async send(delivery: PendingDelivery, logTail: LogLine[]): Promise<SendResult> {
    const now = this.now();
    const secrets = this.secretsOf(delivery.projectId, now.getTime());
    if (secrets.length === 0) return { ok: false, reason: 'the project has no signing secret', permanent: true, outcome: 'not_configured' };
    const [url] = delivery.recipients;
    if (!url) return { ok: false, reason: 'no webhook URL', permanent: true, outcome: 'not_configured' };
    const body = JSON.stringify(renderAlertWebhook(delivery, logTail));
    // The dispatcher's scheme (README.md, "Webhook signatures"), so executors verify alerts the same way.
    const timestamp = Math.floor(now.getTime() / 1000);
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Cron-Observer-Alerts',
      'X-Cron-Observer-Alert-Id': delivery.alertId,
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signatureHeader(secrets, timestamp, body),
    };
    return postAlert('the webhook', url, headers, body, this.outbound);
  }
}
