import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** The server's verdict on the chain (README, "Tamper evidence"). */
export interface ChainReport {
  events: number;
  streams: number;
  unhashed: number;
  broken: { stream: string; revision: number; kind: string; expected: string; found: string } | null;
  /** "verified N events in M streams", or the first broken link. */
  message: string;
}

const PLAIN_PROGRESS_EVERY_MS = 5_000;

/**
 * Reads `GET …/audit/verify`'s NDJSON: progress goes to stderr (one line rewritten in place on a
 * terminal, a line every few seconds otherwise), and the report line is returned.
 */
export async function readVerification(body: ReadableStream<Uint8Array>, stderr: NodeJS.WriteStream = process.stderr): Promise<ChainReport> {
  const lines = createInterface({ input: Readable.fromWeb(body as NodeReadableStream<Uint8Array>), crlfDelay: Infinity });
  let lastPlain = Date.now();
  let drawn = false;
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const message = JSON.parse(line) as { progress?: { checked: number; total: number | null }; report?: ChainReport };
      if (message.report) return message.report;
      if (!message.progress) continue;
      const { checked, total } = message.progress;
      const text = `verifying: ${checked}${total === null ? '' : `/${total}`} events`;
      if (stderr.isTTY) {
        stderr.write(`\r${text}`);
        drawn = true;
      } else if (Date.now() - lastPlain >= PLAIN_PROGRESS_EVERY_MS) {
        lastPlain = Date.now();
        stderr.write(`${text}\n`);
      }
    }
  } finally {
    if (drawn) stderr.write('\n');
  }
  throw new Error('audit verify: the answer ended before its report (the connection was cut)');
}
