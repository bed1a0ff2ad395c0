import type { CommandContext } from '../../commands/command-context';
import type { CreateExecution } from '../../commands/execution/execution-commands';
import { executionDecider } from '../../commands/execution/execution-decider';
import { toNewEvent } from '../../commands/handle-command';
import { StreamDeletedError, WrongExpectedRevisionError } from '../../errors/store-errors';
import { MISSED_STORE_UNAVAILABLE } from '../../events/execution-events';
import { executionStream } from '../../events/streams';
import type { Logger } from '../../logging/logger';
import type { EventStore } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';
import { lostLease } from '../process-manager';

/** A failed append (store unavailable) is retried this many times, RETRY_DELAY_MS apart, then logged. */
const MAX_ATTEMPTS = 4;
const RETRY_DELAY_MS = 1_000;
/** After that, a tick not yet written is recorded as MISSED, tried this far apart at most, until it lands. */
const MAX_RECOVERY_DELAY_MS = 60_000;

/** Writes an execution the scheduler decided on; the default goes through the execution decider to the store. */
export type ExecutionWriter = (command: CreateExecution, context: CommandContext) => Promise<'created' | 'exists'>;

export type WriteOutcome = 'created' | 'exists' | 'failed' | 'lost';

/** The scheduler's counters this writer keeps. */
export interface WriteStats {
  created: number;
  duplicates: number;
  failed: number;
  recoveredAsMissed: number;
}

/**
 * The scheduler's write: the execution decider on an empty stream, appended with `no_stream` (no read
 * first: a tick's stream is either new or the tick is done). 'exists' when the stream is already
 * there (another instance, or before a restart) or was deleted for good (a tombstone stays dead).
 */
export function storeExecutionWriter(events: EventStore, clock: Clock): ExecutionWriter {
  return async (command, context) => {
    const decided = executionDecider.decide(command, null);
    try {
      await events.append(executionStream(command.executionId), decided.map((event) => toNewEvent(event, context, clock)), 'no_stream');
      return 'created';
    } catch (err) {
      if (err instanceof WrongExpectedRevisionError || err instanceof StreamDeletedError) return 'exists';
      throw err;
    }
  };
}

/** The scheduler's writes with their retries, waiting on the injected clock; stop() ends every wait at once. */
export class TickWriter {
  /** Retry waits in progress (the clock may never reach them once stopped). */
  private readonly waits = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly deps: { clock: Clock; logger: Logger },
    private readonly writer: ExecutionWriter,
    private readonly stats: WriteStats,
  ) {}

  /** Writes with retries; never rejects ('failed' is logged and counted; 'lost' when another instance leads now). */
  async write(command: CreateExecution, context: CommandContext): Promise<WriteOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.writer(command, context);
        if (outcome === 'created') this.stats.created++;
        else this.stats.duplicates++;
        return outcome;
      } catch (err) {
        if (lostLease(err)) {
          this.stats.failed++;
          return 'lost';
        }
        if (attempt >= MAX_ATTEMPTS || this.stopped) {
          this.stats.failed++;
          this.deps.logger.error(
            { err, taskId: command.taskId, executionId: command.executionId, scheduledAt: command.scheduledAt },
            'scheduler: could not create the execution of a tick; it is recorded as missed once the store takes writes again',
          );
          return 'failed';
        }
        await this.sleep(RETRY_DELAY_MS * attempt);
        if (this.stopped) {
          this.stats.failed++;
          return 'failed';
        }
      }
    }
  }

  /**
   * A tick is accounted for the moment it fires (a later tick may land first), so a tick whose write
   * keeps failing must still be written: otherwise, after a restart, the later tick's record would
   * hide it for good. It is recorded as MISSED, with the reason, once the store takes writes again.
   */
  async writeTick(command: CreateExecution, context: CommandContext): Promise<void> {
    if ((await this.write(command, context)) !== 'failed') return;
    for (let delay = RETRY_DELAY_MS * MAX_ATTEMPTS; !this.stopped; delay = Math.min(delay * 2, MAX_RECOVERY_DELAY_MS)) {
      await this.sleep(delay);
      if (this.stopped) return;
      const missed: CreateExecution = { ...command, at: this.deps.clock.now().toISOString(), missed: MISSED_STORE_UNAVAILABLE };
      try {
        if ((await this.writer(missed, context)) === 'created') this.stats.recoveredAsMissed++;
        return;
      } catch (err) {
        if (lostLease(err)) return; // the next leader counts it as owed downtime
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const wake of [...this.waits]) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waits.delete(wake);
        cancel();
        resolve();
      };
      const cancel = this.deps.clock.setTimer(new Date(this.deps.clock.now().getTime() + ms), wake);
      this.waits.add(wake);
    });
  }
}
