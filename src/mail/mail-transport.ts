import type { Transporter } from 'nodemailer';
import type { Config } from '../config/config';

/** One message; the sender is always SMTP_FROM. */
export interface OutgoingMail {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  headers?: Record<string, string>;
}

/** What the SMTP server answered to an accepted message. */
export interface MailReceipt {
  response: string | null;
  /** Recipients the server refused while accepting the message for the others. */
  rejected: string[];
}

/** Connection limits: an SMTP server that hangs must not hold a send for minutes. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * The server's one way to send mail (alerts, invitations): SMTP_URL with nodemailer, one connection per
 * mail, from SMTP_FROM. `send` rejects with nodemailer's error when the mail does not go out.
 */
export class MailTransport {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    // Loaded only with a mail server configured: nodemailer takes a noticeable part of every start to load.
    const nodemailer = require('nodemailer') as typeof import('nodemailer');
    this.transport = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
  }

  async send(mail: OutgoingMail): Promise<MailReceipt> {
    const { inReplyTo, ...rest } = mail;
    const info = await this.transport.sendMail({
      from: this.from,
      ...rest,
      ...(inReplyTo ? { inReplyTo, references: [inReplyTo] } : {}),
    });
    return { response: info.response ?? null, rejected: (info.rejected ?? []).map(String) };
  }

  close(): void {
    this.transport.close();
  }
}

/** The mail transport of SMTP_URL; null when no mail server is configured. */
export function mailTransportOf(config: Pick<Config, 'smtpUrl' | 'smtpFrom'>): MailTransport | null {
  return config.smtpUrl ? new MailTransport(config.smtpUrl, config.smtpFrom) : null;
}
