import { type ApiClient, apiBaseUrl, createApiClient } from './api/client';
import type { RunStarted } from './api/paths';
import { consoleLogger, type Logger } from './logger';
import { ReportSender } from './report-sender';
import { ExecutionReporter, type LogBufferOptions, type LogLevel } from './reporter';
import { type RetryPolicy, retryPolicy } from './retry';

export interface CronObserverOptions {
  /** Default: `CRON_OBSERVER_URL`. */
  url?: string;
  /** A project API key (scope `ingest` is enough to report). Default: `CRON_OBSERVER_API_KEY`. */
  apiKey?: string;
  /** The project (needed to claim work and to start runs by task name). Default: `CRON_OBSERVER_PROJECT_ID`. */
  projectId?: string;
  /** Where failures to report are told (default: console.warn). */
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  logs?: LogBufferOptions;
  fetch?: (input: Request) => Promise<Response>;
}

/** What a job sees while it runs: its execution, a logger that reports, metrics. */
export interface JobContext {
  /** The execution reported to; null while not known yet (external mode) or when it could not be recorded. */
  readonly executionId: string | null;
  log(message: string, level?: LogLevel): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Kept with the run's final report. */
  metric(name: string, value: number): void;
  /** Reported with the outcome. */
  setExitCode(code: number): void;
}

export type JobFunction<T, C extends JobContext = JobContext> = (job: C) => T | Promise<T>;

/**
 * The reporting side of the SDK, for a job that knows its execution id: a reporter per execution and
 * `withExecution`. Reporting is fail-open: when Cron Observer cannot be reached the job still runs
 * and finishes; failures to report are retried for a while, logged, and never thrown into the job.
 */
export class CronObserver {
  readonly api: ApiClient;
  readonly url: string;
  readonly projectId: string | undefined;
  readonly logger: Logger;
  protected readonly sender: ReportSender;
  protected readonly logOptions: LogBufferOptions;

  constructor(options: CronObserverOptions = {}) {
    const url = options.url ?? process.env.CRON_OBSERVER_URL;
    const apiKey = options.apiKey ?? process.env.CRON_OBSERVER_API_KEY;
    if (!url) throw new Error('Cron Observer URL missing: pass `url` or set CRON_OBSERVER_URL');
    if (!apiKey) throw new Error('Cron Observer API key missing: pass `apiKey` or set CRON_OBSERVER_API_KEY');
    this.url = apiBaseUrl(url);
    this.projectId = options.projectId ?? (process.env.CRON_OBSERVER_PROJECT_ID || undefined);
    this.logger = options.logger ?? consoleLogger;
    this.api = createApiClient({ url, apiKey, fetch: options.fetch });
    this.sender = new ReportSender(retryPolicy(options.retry), this.logger);
    this.logOptions = options.logs ?? {};
  }

  /** A reporter for one execution (start, log, metric, succeed/fail, close). */
  reporter(executionId: string, attempt: number | null = null): ExecutionReporter {
    return new ExecutionReporter(executionId, this.api, this.sender, this.logger, { ...this.logOptions, attempt });
  }

  /**
   * Reports RUNNING, runs `fn`, then reports SUCCESS (it returned) or FAILED (it threw, with the
   * error's message and stack) exactly once, after the job's logs. Resolves with `fn`'s result or
   * rejects with `fn`'s own error once the reports are sent (or given up); a failure to report never
   * rejects it.
   */
  async withExecution<T>(executionId: string, fn: JobFunction<T>): Promise<T> {
    return runWithReporter(this.reporter(executionId), (context) => fn(context), {});
  }

  /**
   * External mode (a job on its own clock: crontab, CI): starts a run of the task named `taskName`
   * (a task in `external` mode is matched to its pending scheduled execution of the tick; otherwise
   * the run is recorded as a new EXTERNAL execution). Resolves with the execution id, or null when
   * the run could not be recorded (logged, never thrown).
   */
  async startRun(taskName: string, options: { projectId?: string } = {}): Promise<string | null> {
    const run = await this.startRunDetailed(taskName, options);
    return run?.execution_id ?? null;
  }

  /** startRun with the server's answer: `{execution_id, matched, scheduled_at}`, or null. */
  async startRunDetailed(taskName: string, options: { projectId?: string } = {}): Promise<RunStarted | null> {
    const projectId = options.projectId ?? this.projectId;
    if (!projectId) {
      this.logger.warn(`run of "${taskName}" not recorded: the project is unknown (pass projectId or set CRON_OBSERVER_PROJECT_ID)`);
      return null;
    }
    const sent = await this.sender.send(`start a run of "${taskName}"`, (init) =>
      this.api.POST('/projects/{project_id}/tasks/by-name/{task_name}/runs', { params: { path: { project_id: projectId, task_name: taskName } }, ...init }),
    );
    if (!sent.ok) {
      this.logger.warn(`run of "${taskName}" not recorded: ${sent.error}`);
      return null;
    }
    return sent.data;
  }

  /**
   * External mode in one call: starts a run of `taskName` and runs `fn` under it (withExecution). The
   * job starts at once, while the run is being recorded; if it cannot be, the job still runs, unreported.
   */
  async runExternal<T>(taskName: string, fn: JobFunction<T>, options: { projectId?: string } = {}): Promise<T> {
    return runWithReporter(this.runReporter(taskName, options), (context) => fn(context), {});
  }

  /**
   * A reporter for a new run of `taskName` (external mode), usable at once: its reports wait until
   * the run is recorded, and are dropped (with one warning) if it cannot be.
   */
  runReporter(taskName: string, options: { projectId?: string } = {}): ExecutionReporter {
    const executionId = this.startRun(taskName, options);
    return new ExecutionReporter(executionId, this.api, this.sender, this.logger, this.logOptions);
  }
}

/** Runs `fn` between RUNNING and its outcome on `reporter`; the context is extended with `extra`. */
export async function runWithReporter<T, X extends object>(reporter: ExecutionReporter, fn: (job: JobContext & X) => T | Promise<T>, extra: X): Promise<T> {
  let exitCode: number | null = null;
  const context = {
    ...extra,
    get executionId() {
      return reporter.executionId;
    },
    log: (message: string, level?: LogLevel) => reporter.log(message, level),
    debug: (message: string) => reporter.log(message, 'debug'),
    info: (message: string) => reporter.log(message, 'info'),
    warn: (message: string) => reporter.log(message, 'warn'),
    error: (message: string) => reporter.log(message, 'error'),
    metric: (name: string, value: number) => reporter.metric(name, value),
    setExitCode: (code: number) => {
      exitCode = code;
    },
  } as JobContext & X;
  void reporter.start();
  let result: T;
  try {
    result = await fn(context);
  } catch (error) {
    await reporter.fail(error, { exitCode });
    throw error;
  }
  await reporter.succeed({ exitCode });
  return result;
}
