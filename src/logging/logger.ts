import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/config';

export type { Logger };

/** Structured JSON logs on stdout, one object per line. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'cron-observer' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
