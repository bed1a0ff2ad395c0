import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail as the server received it: the SMTP envelope and the parsed message. */
export interface ReceivedMail {
  envelope: { from: string | null; to: string[] };
  parsed: ParsedMail;
  /** Header shortcuts. */
  messageId: string | undefined;
  subject: string | undefined;
  text: string;
  html: string;
}

export interface SmtpTestServer {
  port: number;
  /** `smtp://127.0.0.1:<port>` for SMTP_URL. */
  url: string;
  /** Every mail received, in arrival order. */
  readonly mails: ReceivedMail[];
  /** Resolves with the first received mail (past or future) that satisfies `predicate`. */
  waitForMail(predicate?: (mail: ReceivedMail) => boolean, options?: { timeoutMs?: number; what?: string }): Promise<ReceivedMail>;
  /** Mails matching `predicate` received so far. */
  mailsWhere(predicate: (mail: ReceivedMail) => boolean): ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback (smtp-server, no TLS, any credentials accepted), parsing every mail
 * with mailparser. Port 0 picks a free port; pass a port to bring a server "back" where a stopped one
 * was (see `reserveFreePort`).
 */
export async function startSmtpTestServer(options: { port?: number } = {}): Promise<SmtpTestServer> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Connections still open at close() are dropped after this long (tests must not hang on them).
    closeTimeout: 1000,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'test' });
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const from = session.envelope.mailFrom;
          mails.push({
            envelope: { from: from ? from.address : null, to: session.envelope.rcptTo.map((r) => r.address) },
            parsed,
            messageId: parsed.messageId,
            subject: parsed.subject,
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
          });
          for (const wake of [...waiters]) wake();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  const mailsWhere = (predicate: (mail: ReceivedMail) => boolean) => mails.filter(predicate);
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    mailsWhere,
    waitForMail(predicate = () => true, { timeoutMs = 10_000, what = 'a mail' } = {}) {
      return new Promise<ReceivedMail>((resolve, reject) => {
        const check = () => {
          const found = mails.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; received: ${JSON.stringify(mails.map((m) => m.subject))}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port that was free a moment ago (bound and released), for a server that is "down" at first. */
export async function reserveFreePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
