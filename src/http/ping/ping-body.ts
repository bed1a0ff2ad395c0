import type { Request } from 'express';

/** What a ping keeps of its body (Healthchecks' PING_BODY_LIMIT): the rest is dropped, and counted. */
export const PING_BODY_LIMIT = 100_000;
/** Past this much the request is not read further: 413 and the connection closes. */
export const PING_BODY_MAX = 16 * 1024 * 1024;
/** Our log lines' limits (log-batch.ts): at most this long, at most this many a request. */
const LINE_LENGTH = 16 * 1024;
const LINES_PER_REQUEST = 1000;

export interface PingBody {
  /** The first PING_BODY_LIMIT bytes. */
  kept: Buffer;
  /** Bytes beyond the limit, read and dropped. */
  dropped: number;
}

export class PingBodyTooLarge extends Error {}

/** Reads the request's body whatever its Content-Type, keeping the first PING_BODY_LIMIT bytes. */
export function readPingBody(request: Request): Promise<PingBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let dropped = 0;
    request.on('data', (chunk: Buffer) => {
      const room = PING_BODY_LIMIT - kept;
      if (room > 0) {
        const part = chunk.subarray(0, room);
        chunks.push(part);
        kept += part.length;
      }
      dropped += Math.max(0, chunk.length - Math.max(room, 0));
      if (kept + dropped > PING_BODY_MAX) {
        request.pause();
        reject(new PingBodyTooLarge());
      }
    });
    request.on('end', () => resolve({ kept: Buffer.concat(chunks), dropped }));
    request.on('error', reject);
  });
}

/**
 * The body as log lines: UTF-8 (an invalid sequence becomes U+FFFD, as Healthchecks accepts any bytes),
 * one line per text line, blank lines left out (a log line is never empty), NUL replaced (stored events
 * never hold one), over-long lines split. A body of more lines than a request may log is packed
 * several text lines to a log line. A cut body ends with a line saying how much was dropped.
 */
export function pingBodyLines(body: PingBody): string[] {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body.kept).replace(/\u0000/g, '\uFFFD');
  let lines = text.split(/\r?\n/).filter((line) => line.trim() !== '').flatMap(splitLong);
  if (lines.length >= LINES_PER_REQUEST) lines = pack(lines);
  if (body.dropped > 0) lines.push(`[ping body cut: ${body.dropped} bytes beyond the first ${PING_BODY_LIMIT} were dropped]`);
  return lines;
}

function splitLong(line: string): string[] {
  if (line.length <= LINE_LENGTH) return [line];
  const parts: string[] = [];
  for (let i = 0; i < line.length; i += LINE_LENGTH) parts.push(line.slice(i, i + LINE_LENGTH));
  return parts;
}

/** Text lines joined by newlines into log lines of at most LINE_LENGTH characters. */
function pack(lines: string[]): string[] {
  const packed: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current !== '' && current.length + 1 + line.length > LINE_LENGTH) {
      packed.push(current);
      current = line;
    } else {
      current = current === '' ? line : `${current}\n${line}`;
    }
  }
  if (current !== '') packed.push(current);
  return packed;
}
