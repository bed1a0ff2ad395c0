import { createLogger, type Logger } from '../../src/logging/logger';

/** A real logger whose lines the test can read (e.g. the invitation link the server logs). */
export function capturedLogger(): { logger: Logger; entries: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
