import type { CommandContext } from '../../commands/command-context';
import type { CancelExecution, ReleaseExecution } from '../../commands/execution/execution-commands';
import { executionDecider } from '../../commands/execution/execution-decider';
import { handleCommand } from '../../commands/handle-command';
import { ConflictError, GoneError, NotFoundError } from '../../errors/app-error';
import { StreamDeletedError, StreamNotFoundError } from '../../errors/store-errors';
import { executionStream } from '../../events/streams';
import type { Logger } from '../../logging/logger';
import type { EventStore } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import { SCHEDULER_ACTOR } from './tick-command';
import { lostLease } from '../process-manager';

export interface OverlapActionDeps {
  events: EventStore;
  clock: Clock;
  logger: Logger;
}

/**
 * The commands the overlap policies issue on executions that already exist, through the execution
 * decider with the exact expected revision: an execution that ended meanwhile (a report racing the
 * cancel) keeps its end (409 from the decider, ignored here), and a release is a no-op unless the run
 * is still QUEUED, so a release issued twice (two leaders, a restart) starts the run once.
 */
async function onExecution(deps: OverlapActionDeps, executionId: string, command: CancelExecution | ReleaseExecution, context: CommandContext): Promise<void> {
  try {
    await handleCommand(deps.events, deps.clock, executionStream(executionId), executionDecider, command, context);
  } catch (err) {
    // Ended meanwhile (409), deleted with its task, or purged: nothing to do.
    if (err instanceof StreamDeletedError || err instanceof StreamNotFoundError) return;
    if (err instanceof ConflictError || err instanceof GoneError || err instanceof NotFoundError) return;
    if (lostLease(err)) return; // the next leader's replay finds the run still queued and releases it
    deps.logger.error({ err, executionId, command: command.type }, 'scheduler: overlap command failed');
  }
}

/** `replace`: cancels an open run in favour of `replacedBy`. */
export function cancelReplaced(deps: OverlapActionDeps, executionId: string, replacedBy: string, context: CommandContext): Promise<void> {
  const command: CancelExecution = { type: 'CancelExecution', by: SCHEDULER_ACTOR, replacedBy, at: deps.clock.now().toISOString() };
  return onExecution(deps, executionId, command, context);
}

/** `queue` (or a `max_concurrent` under it): a waiting run starts. */
export function releaseQueued(deps: OverlapActionDeps, executionId: string, after: string | null, context: CommandContext): Promise<void> {
  const command: ReleaseExecution = { type: 'ReleaseExecution', after, at: deps.clock.now().toISOString() };
  return onExecution(deps, executionId, command, context);
}
