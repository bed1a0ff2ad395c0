import type { ApiClient } from '../api/client';
import { asErrorBody, describeNetworkError } from '../api/client';
import type { ClaimBody, ClaimedExecution } from '../api/paths';
import type { Logger } from '../logger';
import { sleep } from '../retry';

export interface PullOptions {
  /** Default: the executor's project. */
  projectId?: string;
  /** Jobs run at once (default 1); the worker claims only as many as it has free slots. */
  concurrency?: number;
  /** Long-poll: how long one claim waits for work (default 20 s). */
  waitSeconds?: number;
  /** Claim only these tasks (default: the tasks with a registered handler). */
  taskNames?: string[];
  workerId?: string;
  /** Longest wait between claims after errors (default 30 s). */
  maxErrorBackoffMs?: number;
}

interface WorkerSettings extends PullOptions {
  logger: Logger;
  run: (claimed: ClaimedExecution) => Promise<unknown>;
}

/**
 * Claims pending executions through `POST /projects/{project_id}/executions/claim` (long-poll) and
 * runs them, at most `concurrency` at a time. `stop()` stops claiming (the waiting claim is
 * abandoned) and resolves once the running jobs are done.
 */
export class PullWorker {
  readonly done: Promise<void>;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly active = new Set<Promise<unknown>>();
  private slotFreed: (() => void) | null = null;
  private readonly concurrency: number;
  private readonly waitSeconds: number;
  private claimedCount = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly projectId: string,
    private readonly settings: WorkerSettings,
  ) {
    this.concurrency = Math.max(1, Math.floor(settings.concurrency ?? 1));
    this.waitSeconds = Math.max(0, settings.waitSeconds ?? 20);
    this.done = this.loop();
  }

  /** Jobs running now. */
  get running(): number {
    return this.active.size;
  }

  /** Executions claimed so far. */
  get claimed(): number {
    return this.claimedCount;
  }

  /** Stops claiming and waits for the running jobs. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.slotFreed?.();
    await this.done;
  }

  private async loop(): Promise<void> {
    let errors = 0;
    while (!this.stopped) {
      while (this.active.size >= this.concurrency && !this.stopped) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
      }
      if (this.stopped) break;
      const free = this.concurrency - this.active.size;
      const outcome = await this.claim(free);
      if (this.stopped) {
        // Claimed while stopping: still run them, they are ours now.
        if (outcome.ok) outcome.executions.forEach((e) => this.start(e));
        break;
      }
      if (!outcome.ok) {
        errors++;
        const delay = Math.min(this.settings.maxErrorBackoffMs ?? 30_000, 500 * 2 ** Math.min(errors - 1, 10));
        if (errors === 1 || errors % 10 === 0) this.settings.logger.warn(`claiming work failed (${outcome.error}); retrying in ${Math.round(delay / 1000)} s`);
        await sleep(delay, this.abort.signal);
        continue;
      }
      errors = 0;
      outcome.executions.forEach((e) => this.start(e));
    }
    await Promise.allSettled([...this.active]);
  }

  private start(claimed: ClaimedExecution): void {
    this.claimedCount++;
    const job = this.settings.run(claimed).catch((error: unknown) => this.settings.logger.warn(`pulled job failed to run: ${String(error)}`));
    this.active.add(job);
    void job.finally(() => {
      this.active.delete(job);
      const freed = this.slotFreed;
      this.slotFreed = null;
      freed?.();
    });
  }

  private async claim(limit: number): Promise<{ ok: true; executions: ClaimedExecution[] } | { ok: false; error: string }> {
    const timeout = AbortSignal.timeout((this.waitSeconds + 30) * 1000);
    // Built field by field (no spreads), so a field the spec drops breaks the SDK's build.
    const body: ClaimBody = { limit, wait_seconds: this.waitSeconds };
    if (this.settings.taskNames?.length) body.task_names = this.settings.taskNames;
    if (this.settings.workerId) body.worker_id = this.settings.workerId;
    try {
      const result = await this.api.POST('/projects/{project_id}/executions/claim', {
        params: { path: { project_id: this.projectId } },
        body,
        signal: AbortSignal.any([this.abort.signal, timeout]),
      });
      if (!result.response.ok) {
        return { ok: false, error: `${result.response.status} ${asErrorBody(result.error)?.error ?? result.response.statusText}` };
      }
      return { ok: true, executions: result.data?.executions ?? [] };
    } catch (error) {
      return { ok: false, error: describeNetworkError(error) };
    }
  }
}
