import type { ApiClient } from './api/client';
import type { FinishReportBody, LogLineBody } from './api/paths';
import type { Logger } from './logger';
import type { ReportSender } from './report-sender';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogBufferOptions {
  /** Send when this many lines are waiting (default 100; the server takes at most 1000 a request). */
  maxBatchLines?: number;
  /** Send lines at most this long after they were logged (default 1000 ms). */
  flushIntervalMs?: number;
  /** Lines kept while Cron Observer is unreachable; older ones are dropped past it (default 10,000). */
  maxBufferedLines?: number;
}

/** A reporter's options: log buffering, and the attempt it reports for (from the dispatch or claim). */
export interface ReporterOptions extends LogBufferOptions {
  /** Sent with the RUNNING and final reports, so a report of an attempt that is over cannot touch a later one (retries). */
  attempt?: number | null;
}

export interface FinishDetails {
  exitCode?: number | null;
  /** Default: measured by the reporter from `start()` (or its creation). */
  durationMs?: number | null;
  /** Numbers the run wants to keep (at most 50, finite); merged over those given to `metric()`. */
  metrics?: Record<string, number> | null;
}

export type Outcome = 'SUCCESS' | 'FAILED';

/** The server's limits for one request (src/commands/execution/log-batch.ts). */
const MAX_LINE_CHARS = 16 * 1024;
const MAX_REQUEST_BYTES = 480 * 1024;
const MAX_ERROR_CHARS = 16 * 1024;

/**
 * Reports one execution: `start()`, buffered `log()` sent in batches (on size and on time),
 * `metric()`, then `succeed()` or `fail(error)` once. Reports go out in order, one at a time; each is
 * retried with the same Idempotency-Key, and no failure to report is ever thrown: it is logged and
 * the job goes on. `close()` waits until everything has been sent (or given up).
 */
export class ExecutionReporter {
  private buffer: LogLineBody[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private startedAt = Date.now();
  private metricsSoFar: Record<string, number> = {};
  private finished: Outcome | null = null;
  private dropped = 0;
  private unsent = 0;
  private readonly maxBatchLines: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedLines: number;

  private id: string | null;
  private readonly idReady: Promise<string | null>;
  private idMissingTold = false;
  private readonly attempt: number | null;

  /**
   * `executionId` may be a promise (external mode: the run is being recorded while the job already
   * runs); resolving to null means there is no execution to report to, and reports are dropped.
   */
  constructor(
    executionId: string | Promise<string | null>,
    private readonly client: ApiClient,
    private readonly sender: ReportSender,
    private readonly logger: Logger,
    options: ReporterOptions = {},
  ) {
    this.attempt = options.attempt ?? null;
    this.maxBatchLines = Math.min(1000, Math.max(1, options.maxBatchLines ?? 100));
    this.flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 1000);
    this.maxBufferedLines = Math.max(this.maxBatchLines, options.maxBufferedLines ?? 10_000);
    if (typeof executionId === 'string') {
      this.id = executionId;
      this.idReady = Promise.resolve(executionId);
    } else {
      this.id = null;
      this.idReady = executionId.then(
        (id) => (this.id = id),
        () => null,
      );
    }
  }

  /** The execution reported to; null while it is not known yet, or when there is none. */
  get executionId(): string | null {
    return this.id;
  }

  /** Resolves with the execution id once known (null: none, reports are dropped). */
  resolvedExecutionId(): Promise<string | null> {
    return this.idReady;
  }

  /** The outcome reported (or being reported); null before `succeed`/`fail`. */
  get outcome(): Outcome | null {
    return this.finished;
  }

  private attemptField(): { attempt?: number } {
    return this.attempt === null ? {} : { attempt: this.attempt };
  }

  /** Reports RUNNING and starts the duration clock. */
  start(): Promise<void> {
    this.startedAt = Date.now();
    return this.enqueue('report RUNNING', async (id) => {
      const sent = await this.sender.send('report RUNNING', (init) =>
        this.client.PATCH('/executions/{execution_uuid}/status', { params: { path: { execution_uuid: id } }, body: { status: 'RUNNING', ...this.attemptField() }, ...init }),
      );
      if (!sent.ok) this.logger.warn(`execution ${id}: RUNNING not reported: ${sent.error}`);
    });
  }

  /** Adds a line to the buffer; sent within `flushIntervalMs`, or at once when a batch is full. Never throws. */
  log(message: string, level: LogLevel = 'info'): void {
    const text = String(message);
    if (text.length === 0) return;
    for (let i = 0; i < text.length; i += MAX_LINE_CHARS) {
      this.buffer.push({ message: text.slice(i, i + MAX_LINE_CHARS), level, timestamp: new Date().toISOString() });
    }
    if (this.buffer.length > this.maxBufferedLines) {
      const excess = this.buffer.length - this.maxBufferedLines;
      this.buffer.splice(0, excess);
      this.noteDropped(excess);
    }
    if (this.buffer.length >= this.maxBatchLines) this.flushNow();
    else if (!this.timer && this.flushIntervalMs > 0) {
      this.timer = setTimeout(() => this.flushNow(), this.flushIntervalMs);
      this.timer.unref();
    } else if (this.flushIntervalMs === 0) this.flushNow();
  }

  debug = (message: string) => this.log(message, 'debug');
  info = (message: string) => this.log(message, 'info');
  warn = (message: string) => this.log(message, 'warn');
  error = (message: string) => this.log(message, 'error');

  /**
   * A number to keep with the run (sent with the final report). The server takes at most 50 names of
   * 1 to 64 letters, digits, `_`, `.`, `:`, `-` (starting with a letter or `_`), each a finite number.
   */
  metric(name: string, value: number): void {
    this.metricsSoFar[name] = value;
  }

  /** Sends every buffered line and waits until they are sent (or given up). */
  async flush(): Promise<void> {
    this.flushNow();
    await this.chain;
  }

  succeed(details: FinishDetails = {}): Promise<void> {
    return this.finish('SUCCESS', null, details);
  }

  /** Reports FAILED with the error's message and stack. */
  fail(error: unknown, details: FinishDetails = {}): Promise<void> {
    return this.finish('FAILED', errorText(error), details);
  }

  /**
   * The final report, once: later calls are ignored (with a warning). Buffered logs are sent first.
   * Resolves when the report was sent or given up.
   */
  async finish(status: Outcome, error: string | null, details: FinishDetails = {}): Promise<void> {
    if (this.finished) {
      this.logger.warn(`execution ${this.label()}: already reported ${this.finished}; ${status} ignored`);
      return this.chain;
    }
    this.finished = status;
    this.flushNow();
    const metrics = { ...this.metricsSoFar, ...(details.metrics ?? {}) };
    const body: FinishReportBody = {
      status,
      error: error === null ? null : error.slice(0, MAX_ERROR_CHARS),
      exit_code: details.exitCode ?? null,
      duration_ms: Math.max(0, Math.round(details.durationMs ?? Date.now() - this.startedAt)),
      metrics: Object.keys(metrics).length > 0 ? metrics : null,
      ...this.attemptField(),
    };
    await this.enqueue(`report ${status}`, async (id) => {
      const sent = await this.sender.send(`report ${status}`, (init) =>
        this.client.POST('/executions/{execution_uuid}/finish', { params: { path: { execution_uuid: id } }, body, ...init }),
      );
      if (!sent.ok) this.logger.warn(`execution ${id}: ${status} not recorded: ${sent.error}`);
      else if (sent.data.status !== status) this.logger.warn(`execution ${id}: reported ${status}, the server has ${sent.data.status}`);
    });
    if (this.dropped + this.unsent > 0) {
      this.logger.warn(`execution ${this.label()}: ${this.dropped + this.unsent} log line(s) could not be sent`);
    }
  }

  /** Waits for everything queued so far (logs are flushed first). */
  close(): Promise<void> {
    return this.flush();
  }

  private flushNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.buffer.length > 0) {
      const batch = takeBatch(this.buffer, this.maxBatchLines);
      this.enqueue(
        'send logs',
        async (id) => {
          const sent = await this.sender.send('send logs', (init) =>
            this.client.POST('/executions/{execution_uuid}/logs', { params: { path: { execution_uuid: id } }, body: { lines: batch }, ...init }),
          );
          if (!sent.ok) {
            if (this.unsent === 0) this.logger.warn(`execution ${id}: log lines not sent: ${sent.error}`);
            this.unsent += batch.length;
          }
        },
        () => (this.unsent += batch.length),
      );
    }
  }

  private noteDropped(count: number): void {
    if (this.dropped === 0) this.logger.warn(`execution ${this.label()}: log buffer full (${this.maxBufferedLines} lines); dropping the oldest`);
    this.dropped += count;
  }

  /** Queues a report after those before it; without an execution to report to, it is skipped (`onSkip`). */
  private enqueue(label: string, task: (executionId: string) => Promise<void>, onSkip?: () => void): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        const id = await this.idReady;
        if (id) return task(id);
        if (!this.idMissingTold) {
          this.idMissingTold = true;
          this.logger.warn('no execution to report to (the run could not be recorded); the job goes on without reporting');
        }
        onSkip?.();
      })
      .catch((error: unknown) => this.logger.warn(`execution ${this.label()}: ${label}: ${errorText(error)}`));
    return this.chain;
  }

  private label(): string {
    return this.id ?? '(unknown)';
  }
}

/** Up to `maxLines` lines from the front of `buffer`, within one request's size limit. */
function takeBatch(buffer: LogLineBody[], maxLines: number): LogLineBody[] {
  let bytes = 0;
  let count = 0;
  while (count < buffer.length && count < maxLines) {
    const size = Buffer.byteLength(buffer[count]!.message) + 64;
    if (count > 0 && bytes + size > MAX_REQUEST_BYTES) break;
    bytes += size;
    count++;
  }
  return buffer.splice(0, count);
}

/** An error as one text: the stack when there is one (it starts with the message), else the message. */
export function errorText(error: unknown): string {
  // Duck-typed: errors from another realm (a vm context, a test runner's sandbox) fail `instanceof Error`.
  if (error && typeof error === 'object' && 'message' in error && typeof (error as Error).message === 'string') {
    const { name = 'Error', message, stack = '' } = error as Error;
    const head = `${name}: ${message}`;
    return stack.includes(message) ? stack : stack ? `${head}\n${stack}` : head;
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
