import type { Logger } from '../logging/logger';
import type { MailTransport } from '../mail/mail-transport';
import { ACCESS_COLLECTIONS, ACCESS_PROJECTION, type UserDoc } from '../projections/access-projection';
import { type ProjectionGeneration, metaKey, physicalCollection } from '../projections/projection-registry';
import type { ReadStore } from '../stores/read/read-store';
import { QUARANTINE_ALERTS_COLLECTION, QUARANTINE_CHECKPOINT, type QuarantineRecord } from './quarantine-store';

/** A consumer that sets many events aside (a bug that fails one event type) mails at most this often. */
const ALERT_INTERVAL_MS = 15 * 60_000;

/**
 * Tells the super admins that an event was quarantined: one mail through the server's mail transport,
 * and the outcome ("mailed to …", "not sent: no mail server", …) stored beside the record.
 */
export class QuarantineAlerter {
  private readonly lastMailed = new Map<string, number>();
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly reads: ReadStore,
    private readonly mail: MailTransport | null,
    private readonly publicUrl: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Alerts in the background, one after another; `settled` resolves when all begun have finished. */
  quarantined(record: QuarantineRecord): void {
    this.sending = this.sending.then(() => this.alert(record)).catch((err) => this.logger.error({ err, quarantined: record.id }, 'quarantine alert outcome not recorded'));
  }

  settled(): Promise<void> {
    return this.sending;
  }

  private async alert(record: QuarantineRecord): Promise<void> {
    const outcome = await this.send(record);
    this.logger.warn({ quarantined: record.id, alert: outcome }, 'event quarantined');
    await this.reads.applyBatch(
      [{ op: 'upsert', collection: QUARANTINE_ALERTS_COLLECTION, id: record.id, doc: { id: record.id, outcome }, position: record.position }],
      { name: QUARANTINE_CHECKPOINT, position: record.position },
    );
  }

  private async send(record: QuarantineRecord): Promise<string> {
    if (!this.mail) return 'not sent: no mail server';
    const recipients = await this.superAdmins();
    if (recipients.length === 0) return 'not sent: no recipients';
    const previous = this.lastMailed.get(record.consumer);
    if (previous !== undefined && this.now() - previous < ALERT_INTERVAL_MS) return `not sent: an alert about ${record.consumer} was mailed less than 15 minutes before`;
    try {
      await this.mail.send({ to: recipients, subject: `[Cron Observer] ${record.consumer} set an event aside`, text: mailText(record, this.publicUrl) });
      this.lastMailed.set(record.consumer, this.now());
      return `mailed to ${recipients.join(', ')}`;
    } catch (err) {
      return `not sent: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  private async superAdmins(): Promise<string[]> {
    const active = await this.reads.getMeta<ProjectionGeneration>(metaKey(ACCESS_PROJECTION));
    if (!active) return [];
    const users = physicalCollection(ACCESS_PROJECTION, active.generation, ACCESS_COLLECTIONS.users);
    const { items } = await this.reads.find<UserDoc>(users, { filter: { superAdmin: true, disabled: false }, sort: [['email', 1]] });
    return items.map((user) => user.email);
  }
}

function mailText(record: QuarantineRecord, publicUrl: string): string {
  return [
    `The ${record.kind} "${record.consumer}" could not apply an event and set it aside (quarantined), so that it keeps applying the others.`,
    '',
    `Event: ${record.type}, stream ${record.stream}, revision ${record.revision}, position ${record.position}`,
    `Error: ${record.error}`,
    '',
    'Until it is applied, what this event changed is missing from what the consumer shows or does.',
    `The quarantined events are listed at ${publicUrl}/admin/quarantine. After a fix, apply them again with`,
    `  npm run projections -- retry-quarantined ${record.consumer}`,
  ].join('\n');
}
