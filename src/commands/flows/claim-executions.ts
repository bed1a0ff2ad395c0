import type { AppServices } from '../../app-services';
import { AppError } from '../../errors/app-error';
import { StreamDeletedError, StreamNotFoundError } from '../../errors/store-errors';
import type { JsonObject } from '../../events/json';
import { awaitReadModels } from '../../projections/await-read-models';
import { executionLogStream, executionStream } from '../../events/streams';
import type { Position } from '../../stores/events/event-store';
import { TASKS, TASKS_PROJECTION } from '../../projections/tasks-projection';
import type { TaskDoc } from '../../projections/task-read-model';
import { claimableExecutions, nextClaimLapse } from '../../queries/claimable-executions';
import type { CommandContext } from '../command-context';
import { ClaimWakeups } from '../dispatch/claim-wakeups';
import { executionDecider } from '../execution/execution-decider';
import { handleCommand } from '../handle-command';

/**
 * How long a claim holds without the claimer's RUNNING report (or an end): then another worker may
 * claim the execution. A worker reports RUNNING (PATCH …/status) as soon as it starts the job.
 */
export const CLAIM_LEASE_SECONDS = 300;
/** Even without a wake-up, a long-poll looks again this often (claims lapsing, other processes' writes). */
const FALLBACK_RECHECK_MS = 5_000;
/** How long a claim waits for the read model to catch up with the wake-up subscription. */
const READ_MODEL_WAIT_MS = 2_000;

export interface ClaimOptions {
  /** 1..100. */
  limit: number;
  /** 0..30: how long to wait for work when there is none. */
  waitSeconds: number;
  /** Only executions of these tasks (by name); null: any. */
  taskNames: string[] | null;
  /** Recorded as the claimer (ExecutionStarted.claimedBy). */
  claimedBy: string;
}

export interface ClaimedExecution {
  executionId: string;
  taskId: string;
  taskName: string;
  scheduledAt: string;
  attempt: number;
  metadata: JsonObject | null;
  claimExpiresAt: string;
}

interface Candidate {
  executionId: string;
  taskId: string;
  taskName: string;
  scheduledAt: string;
  attempt: number;
  /** Claimed before: only claimable if that claim lapsed. */
  reclaim: boolean;
}

type ClaimServices = Pick<AppServices, 'events' | 'clock' | 'logger' | 'projections' | 'reads' | 'registry'>;

/**
 * POST …/executions/claim: claims up to `limit` pending pull-mode executions of the project, oldest
 * first, each through the execution decider's ClaimExecution (exclusive: of two workers racing for one
 * execution exactly one gets it). Answers as soon as it has at least one; with none, waits up to
 * `waitSeconds`, woken at once by a new execution (ClaimWakeups) or when a claim lapses.
 */
export async function claimExecutions(
  services: ClaimServices,
  context: CommandContext,
  projectId: string,
  options: ClaimOptions,
): Promise<ClaimedExecution[]> {
  const { clock } = services;
  const wakeups = ClaimWakeups.of(services);
  const until = new Date(clock.now().getTime() + options.waitSeconds * 1000);
  const claimed: ClaimedExecution[] = [];
  const tried = new Set<string>();
  const metadata = new Map<string, JsonObject | null>();
  const wanted = (taskName: string) => options.taskNames === null || options.taskNames.includes(taskName);

  /** The position of the last claim recorded, for the read-your-writes wait before answering. */
  let lastClaim: Position | null = null;

  /** Tries the candidates in turn; answers how many PENDING ones were refused (claimed by someone meanwhile). */
  const claimAll = async (candidates: Candidate[]): Promise<number> => {
    let refusedPending = 0;
    for (const candidate of candidates) {
      if (claimed.length >= options.limit) break;
      if (tried.has(candidate.executionId) || !wanted(candidate.taskName)) continue;
      tried.add(candidate.executionId);
      const claim = await claimOne(services, context, projectId, candidate, options.claimedBy);
      if (!claim) {
        if (!candidate.reclaim) refusedPending++;
        continue;
      }
      lastClaim = Math.max(lastClaim ?? 0, claim.position);
      claimed.push({ ...claim.execution, metadata: await metadataOf(services, candidate.taskId, metadata) });
    }
    return refusedPending;
  };

  // A PENDING candidate the read model still shows may have been claimed meanwhile (another worker's
  // claim not yet projected): it is refused, and the next ones are looked at rather than answering with
  // fewer. (Lapsed claims kept alive by log lines are refused for good: no reason to look further.)
  const claimFromReadModel = async (lapsedBefore: Date) => {
    for (;;) {
      const docs = await claimableExecutions(services, projectId, { limit: options.limit + tried.size, taskNames: options.taskNames, lapsedBefore });
      const untried = docs.filter((doc) => !tried.has(doc.id) && wanted(doc.taskName));
      const refusedPending = await claimAll(untried.map((doc) => ({ ...doc, executionId: doc.id, reclaim: doc.claimedAt !== null })));
      if (refusedPending === 0 || claimed.length >= options.limit) return;
    }
  };

  // Like every command, a claim answers once the read models include it: the claimer's next claim, its
  // GET of the execution or the project's stats see it RUNNING (and not claimable again).
  const answer = async () => {
    await awaitReadModels(services, lastClaim);
    return claimed;
  };

  for (;;) {
    // (Re)subscribes if needed: a subscription ended by a store failure must not leave waits unwoken.
    if (options.waitSeconds > 0) await wakeups.ensureStarted();
    const seen = wakeups.version(projectId);
    // The read model, once it includes what the wake-up subscription has seen.
    await services.projections.waitForPosition(wakeups.position, READ_MODEL_WAIT_MS).catch(() => undefined);
    const now = clock.now();
    const lapsedBefore = new Date(now.getTime() - CLAIM_LEASE_SECONDS * 1000);
    await claimFromReadModel(lapsedBefore);
    if (claimed.length > 0 || clock.now() >= until) return answer();

    const lapse = await nextClaimLapse(services, projectId, lapsedBefore, CLAIM_LEASE_SECONDS);
    const wakeAt = Math.min(until.getTime(), lapse?.getTime() ?? Infinity, clock.now().getTime() + FALLBACK_RECHECK_MS);
    await wakeups.wait(projectId, seen, new Date(wakeAt));
    // New executions are tried straight away: the read model may not have them yet.
    await claimAll(wakeups.since(projectId, seen).map((entry) => ({ ...entry, reclaim: false })));
    if (claimed.length > 0 || clock.now() >= until) return answer();
  }
}

async function claimOne(
  services: ClaimServices,
  context: CommandContext,
  projectId: string,
  candidate: Candidate,
  claimedBy: string,
): Promise<{ execution: Omit<ClaimedExecution, 'metadata'>; position: Position } | null> {
  const { events, clock } = services;
  // A claimer that posts log lines is alive and working, whatever its RUNNING report: never take its job over.
  if (candidate.reclaim && (await hasLogs(services, candidate.executionId))) return null;
  const at = clock.now().toISOString();
  let position: Position;
  try {
    const outcome = await handleCommand(
      events,
      clock,
      executionStream(candidate.executionId),
      executionDecider,
      { type: 'ClaimExecution', projectId, claimedBy, leaseSeconds: CLAIM_LEASE_SECONDS, at },
      context,
    );
    // Only a claim this request recorded counts: a repeat of someone's earlier claim changes nothing and is not ours.
    if (!outcome.events.some((event) => event.type === 'ExecutionStarted') || outcome.position === null) return null;
    position = outcome.position;
  } catch (err) {
    // Taken, ended, deleted meanwhile: the next candidate.
    if (err instanceof AppError && ['conflict', 'not_found', 'gone', 'forbidden'].includes(err.kind)) return null;
    throw err;
  }
  const { executionId, taskId, taskName, scheduledAt, attempt } = candidate;
  const claimExpiresAt = new Date(Date.parse(at) + CLAIM_LEASE_SECONDS * 1000).toISOString();
  return { execution: { executionId, taskId, taskName, scheduledAt, attempt, claimExpiresAt }, position };
}

async function hasLogs(services: ClaimServices, executionId: string): Promise<boolean> {
  try {
    return (await services.events.readStream(executionLogStream(executionId), { maxCount: 1 })).length > 0;
  } catch (err) {
    if (err instanceof StreamNotFoundError) return false;
    if (err instanceof StreamDeletedError) return true;
    throw err;
  }
}

async function metadataOf(services: ClaimServices, taskId: string, cache: Map<string, JsonObject | null>): Promise<JsonObject | null> {
  if (!cache.has(taskId)) {
    const task = await services.reads.get<TaskDoc>(services.registry.collection(TASKS_PROJECTION, TASKS), taskId);
    cache.set(taskId, task?.metadata ?? null);
  }
  return cache.get(taskId) ?? null;
}
