import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { ClaimedExecution } from '../api/paths';
import { CronObserver, type CronObserverOptions, type JobContext, runWithReporter } from '../cron-observer';
import { errorText } from '../reporter';
import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './signature';
import { PullWorker, type PullOptions } from './pull';

/** The dispatch as the executor receives it (push) or claims it (pull). */
export interface Dispatch {
  task_name: string;
  execution_id: string;
  task_id?: string;
  project_id?: string;
  scheduled_at?: string;
  attempt?: number;
  metadata?: Record<string, unknown> | null;
  /** SCHEDULED, MANUAL, CATCH_UP, … */
  trigger_type?: string;
  /** 1 for the first delivery; higher for a re-send after a delivery that surely did not arrive. */
  delivery_attempt?: number;
}

/** What a task handler sees: the job context and the dispatch it runs for. */
export interface TaskContext extends JobContext {
  readonly executionId: string;
  taskName: string;
  taskId: string | null;
  projectId: string | null;
  scheduledAt: string | null;
  attempt: number | null;
  triggerType: string | null;
  /** The task's metadata, as set on the task. */
  metadata: Record<string, unknown>;
  /** How the work arrived. */
  mode: 'push' | 'pull';
  /**
   * Aborted when the server cancels this run because a newer run replaced it (overlap policy
   * `replace`): a push executor receives the signed cancel notice. Stop the work when you can.
   */
  signal: AbortSignal;
}

/** The header a cancel notice carries (a dispatch never does). */
export const EVENT_HEADER = 'x-cron-observer-event';
export const CANCEL_NOTICE_EVENT = 'execution.cancelled';

export type TaskHandler = (job: TaskContext) => unknown;

export interface ExecutorOptions extends CronObserverOptions {
  /**
   * The project's webhook signing secret(s) for push dispatches: the current one, and the previous
   * one during a rotation. Default: `CRON_OBSERVER_SIGNING_SECRET` (comma-separated for several).
   */
  signingSecret?: string | string[];
  /** Largest accepted distance between a dispatch's timestamp and this clock, in seconds (default 300). */
  toleranceSeconds?: number;
  /** A dispatch for a task with no handler: report it FAILED (default) or leave it alone. */
  onUnknownTask?: 'fail' | 'ignore';
  /** Largest dispatch body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** The clock used to check timestamps (ms since the epoch); for tests. */
  now?: () => number;
}

export interface DispatchAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Minimal shapes of express' request, response and next, so the SDK does not depend on express. */
type ExpressLikeRequest = IncomingMessage & { body?: unknown; rawBody?: unknown };
type ExpressLikeResponse = ServerResponse;
type Next = (error?: unknown) => void;

const RECENT_DISPATCHES = 10_000;

/**
 * An executor: task handlers registered by name, fed by push dispatches (`httpHandler()` for
 * node:http, `middleware()` for express), by claiming work (`pull()`), or run on the executor's own
 * clock (`runExternal()`). Every run is reported through `withExecution`: RUNNING, logs, then SUCCESS
 * or FAILED exactly once; a handler that throws is FAILED with the error's message and stack.
 */
export class Executor extends CronObserver {
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly secrets: string[];
  private readonly toleranceSeconds: number;
  private readonly onUnknownTask: 'fail' | 'ignore';
  private readonly maxBodyBytes: number;
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly recent = new Set<string>();
  private readonly workers = new Set<PullWorker>();
  /** The running jobs' abort controllers, by execution id. */
  private readonly cancels = new Map<string, AbortController>();

  constructor(options: ExecutorOptions = {}) {
    super(options);
    const secrets = options.signingSecret ?? process.env.CRON_OBSERVER_SIGNING_SECRET?.split(',');
    this.secrets = (Array.isArray(secrets) ? secrets : secrets ? [secrets] : []).map((s) => s.trim()).filter(Boolean);
    this.toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    this.onUnknownTask = options.onUnknownTask ?? 'fail';
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /** Registers the handler of a task (exact name, as the dispatch carries it). */
  task(name: string, handler: TaskHandler): this {
    if (this.handlers.has(name)) throw new Error(`A handler for task "${name}" is already registered`);
    this.handlers.set(name, handler);
    return this;
  }

  get taskNames(): string[] {
    return [...this.handlers.keys()];
  }

  /** Jobs running now. */
  get running(): number {
    return this.inFlight.size;
  }

  /** A `node:http` request listener for the dispatch webhook: `createServer(executor.httpHandler())`. */
  httpHandler(): (req: IncomingMessage, res: ServerResponse) => void {
    this.requireSecrets();
    return (req, res) => {
      void this.serve(req, res, (error) => {
        if (!res.headersSent) send(res, { status: 500, body: { error: errorText(error) } });
      });
    };
  }

  /**
   * Express middleware for the dispatch webhook: `app.post('/cron', executor.middleware())`. Mount it
   * before any JSON body parser, or keep the raw body (`express.raw()`, or a `verify` that sets
   * `req.rawBody`): the signature is over the exact bytes sent.
   */
  middleware(): (req: ExpressLikeRequest, res: ExpressLikeResponse, next: Next) => void {
    this.requireSecrets();
    return (req, res, next) => {
      void this.serve(req, res, next);
    };
  }

  /**
   * Checks and accepts one dispatch, starting its job in the background: 202 at once; 401 for a bad
   * signature or timestamp; 400 for a malformed body; 404 for a task with no handler (reported
   * FAILED unless `onUnknownTask: 'ignore'`). A dispatch already accepted is answered 202 again
   * without running the job twice.
   */
  handleDispatch(rawBody: Buffer | string, headers: IncomingMessage['headers']): DispatchAnswer {
    const verified = verifySignature({
      secrets: this.secrets,
      timestamp: headers[TIMESTAMP_HEADER],
      signature: headers[SIGNATURE_HEADER],
      rawBody,
      nowMs: this.now(),
      toleranceSeconds: this.toleranceSeconds,
    });
    if (!verified.ok) {
      this.logger.warn(`dispatch refused: ${verified.reason}`);
      return { status: 401, body: { error: `Invalid dispatch signature: ${verified.reason}` } };
    }
    if (headers[EVENT_HEADER] === CANCEL_NOTICE_EVENT) return this.cancelNotice(rawBody);
    let dispatch: Dispatch;
    try {
      dispatch = parseDispatch(JSON.parse(rawBody.toString()));
    } catch (error) {
      return { status: 400, body: { error: `Invalid dispatch: ${error instanceof Error ? error.message : String(error)}` } };
    }
    if (this.recent.has(dispatch.execution_id)) {
      return { status: 202, body: { accepted: true, execution_id: dispatch.execution_id, duplicate: true } };
    }
    this.remember(dispatch.execution_id);
    if (!this.handlers.has(dispatch.task_name)) {
      this.unknownTask(dispatch);
      return { status: 404, body: { error: `No handler for task "${dispatch.task_name}" in this executor`, execution_id: dispatch.execution_id } };
    }
    void this.run(dispatch, 'push').catch(() => undefined);
    return { status: 202, body: { accepted: true, execution_id: dispatch.execution_id } };
  }

  /**
   * Runs a dispatch's handler through withExecution and resolves when it is reported (never rejects:
   * the handler's error is the FAILED report).
   */
  async run(dispatch: Dispatch, mode: 'push' | 'pull'): Promise<'SUCCESS' | 'FAILED'> {
    const handler = this.handlers.get(dispatch.task_name);
    if (!handler) {
      await this.unknownTask(dispatch);
      return 'FAILED';
    }
    const cancel = new AbortController();
    this.cancels.set(dispatch.execution_id, cancel);
    const job = runWithReporter(this.reporter(dispatch.execution_id, dispatch.attempt ?? null), (context) => handler(context as TaskContext), {
      signal: cancel.signal,
      taskName: dispatch.task_name,
      taskId: dispatch.task_id ?? null,
      projectId: dispatch.project_id ?? null,
      scheduledAt: dispatch.scheduled_at ?? null,
      attempt: dispatch.attempt ?? null,
      triggerType: dispatch.trigger_type ?? null,
      metadata: dispatch.metadata ?? {},
      mode,
    }).then(
      () => 'SUCCESS' as const,
      () => 'FAILED' as const,
    );
    this.inFlight.add(job);
    try {
      return await job;
    } finally {
      this.inFlight.delete(job);
      this.cancels.delete(dispatch.execution_id);
    }
  }

  /** A signed cancel notice (already verified): aborts the run's `signal` if it runs here; 200 either way. */
  private cancelNotice(rawBody: Buffer | string): DispatchAnswer {
    let notice: { execution_id?: unknown; reason?: unknown };
    try {
      notice = JSON.parse(rawBody.toString()) as typeof notice;
    } catch {
      return { status: 400, body: { error: 'Invalid cancel notice: not JSON' } };
    }
    if (typeof notice.execution_id !== 'string') return { status: 400, body: { error: 'Invalid cancel notice: execution_id missing' } };
    const cancel = this.cancels.get(notice.execution_id);
    this.logger.debug?.(`execution ${notice.execution_id} cancelled by the server (${String(notice.reason)})${cancel ? '' : '; it does not run here'}`);
    cancel?.abort(new Error(`cancelled by the server: ${String(notice.reason)}`));
    return { status: 200, body: { cancelled: cancel !== undefined, execution_id: notice.execution_id } };
  }

  /**
   * Claims work (pull mode) and runs it, `concurrency` jobs at a time, until `stop()`. Tasks default
   * to those registered here.
   */
  pull(options: PullOptions = {}): PullWorker {
    const projectId = options.projectId ?? this.projectId;
    if (!projectId) throw new Error('pull() needs the project: pass `projectId` or set CRON_OBSERVER_PROJECT_ID');
    const worker = new PullWorker(this.api, projectId, {
      ...options,
      taskNames: options.taskNames ?? this.taskNames,
      workerId: options.workerId ?? `${hostname()}-${process.pid}`,
      logger: this.logger,
      run: (claimed) => this.run(fromClaimed(claimed, projectId), 'pull'),
    });
    this.workers.add(worker);
    void worker.done.finally(() => this.workers.delete(worker));
    return worker;
  }

  /** Waits for the jobs running now (call after the server stopped taking dispatches). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops pull workers and waits for every running job. */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.stop()));
    await this.drain();
  }

  private async serve(req: ExpressLikeRequest, res: ServerResponse, next: Next): Promise<void> {
    try {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return send(res, { status: 405, body: { error: 'Dispatches are POSTed' } });
      }
      const raw = await rawBodyOf(req, this.maxBodyBytes);
      if (raw === 'too-large') return send(res, { status: 413, body: { error: `Dispatch larger than ${this.maxBodyBytes} bytes` } });
      if (raw === null) {
        return next(
          new Error(
            'Cron Observer executor: the request body was already parsed, so its signature cannot be checked. ' +
              'Mount executor.middleware() before express.json(), or keep the raw body (express.raw() or a verify that sets req.rawBody).',
          ),
        );
      }
      send(res, this.handleDispatch(raw, req.headers));
    } catch (error) {
      next(error);
    }
  }

  private unknownTask(dispatch: Dispatch): Promise<void> {
    this.logger.warn(`dispatch for task "${dispatch.task_name}" (execution ${dispatch.execution_id}): no handler registered`);
    if (this.onUnknownTask === 'ignore') return Promise.resolve();
    const reporter = this.reporter(dispatch.execution_id, dispatch.attempt ?? null);
    const job = reporter.finish('FAILED', `No handler for task "${dispatch.task_name}" in this executor (handlers: ${this.taskNames.join(', ') || 'none'})`);
    this.inFlight.add(job);
    return job.finally(() => this.inFlight.delete(job));
  }

  private remember(executionId: string): void {
    this.recent.add(executionId);
    if (this.recent.size > RECENT_DISPATCHES) this.recent.delete(this.recent.values().next().value!);
  }

  private requireSecrets(): void {
    if (this.secrets.length === 0) {
      throw new Error('Push dispatches need the project signing secret: pass `signingSecret` or set CRON_OBSERVER_SIGNING_SECRET');
    }
  }
}

function parseDispatch(value: unknown): Dispatch {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('body is not a JSON object');
  const body = value as Record<string, unknown>;
  if (typeof body.task_name !== 'string' || body.task_name === '') throw new Error('task_name missing');
  if (typeof body.execution_id !== 'string' || body.execution_id === '') throw new Error('execution_id missing');
  return body as unknown as Dispatch;
}

/** A claimed execution as a dispatch. */
function fromClaimed(claimed: ClaimedExecution, projectId: string): Dispatch {
  return {
    task_name: claimed.task_name,
    execution_id: claimed.execution_id,
    task_id: claimed.task_id,
    project_id: projectId,
    scheduled_at: claimed.scheduled_at,
    attempt: claimed.attempt,
    metadata: claimed.metadata ?? null,
    trigger_type: undefined,
  };
}

/** The raw body: kept by a body parser, or read from the stream; null when it was parsed away. */
async function rawBodyOf(req: ExpressLikeRequest, maxBytes: number): Promise<Buffer | 'too-large' | null> {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (typeof req.rawBody === 'string') return Buffer.from(req.rawBody);
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  if (req.readableEnded || (req.body !== undefined && req.body !== null && typeof req.body === 'object' && Object.keys(req.body).length > 0)) {
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, answer: DispatchAnswer): void {
  const body = JSON.stringify(answer.body);
  res.statusCode = answer.status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
