/** Where the SDK says what went wrong with reporting (never thrown into the job). Default: console.warn. */
export interface Logger {
  warn(message: string, details?: Record<string, unknown>): void;
  debug?(message: string, details?: Record<string, unknown>): void;
}

export const consoleLogger: Logger = {
  warn: (message, details) => (details ? console.warn(`[cron-observer] ${message}`, details) : console.warn(`[cron-observer] ${message}`)),
};

export const silentLogger: Logger = { warn: () => undefined };
