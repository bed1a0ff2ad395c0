import type { AppServices } from '../app-services';
import type { CommandContext } from './command-context';
import type { Decider } from './decider';
import { type CommandOutcome, type DomainEvent, handleCommand } from './handle-command';
import type { RevisionPrecondition } from './revision-precondition';

export interface ExecuteOptions {
  /**
   * Wait until the projections have applied the new events, so the caller's next read sees its own
   * write. Executor reports skip it: nobody reads back right after a log line.
   */
  readYourWrites?: boolean;
  /** The revisions the client's If-Match accepts; absent: unconditional. */
  ifMatch?: RevisionPrecondition;
}

const READ_YOUR_WRITES_TIMEOUT_MS = 5_000;

/** Runs a command through its decider and, by default, waits for the read models to include it. */
export async function executeCommand<State, Command, Event extends DomainEvent>(
  services: Pick<AppServices, 'events' | 'clock' | 'projections'>,
  stream: string,
  decider: Decider<State, Command, Event>,
  command: Command,
  context: CommandContext,
  options: ExecuteOptions = {},
): Promise<CommandOutcome<State, Event>> {
  const outcome = await handleCommand(services.events, services.clock, stream, decider, command, context, options.ifMatch);
  if (options.readYourWrites !== false && outcome.position !== null) {
    // The write is durable either way; if the read models lag (no leader right now, a rebuild), the
    // caller gets its answer and the read models catch up later, rather than an error for a done command.
    await services.projections.waitForPosition(outcome.position, READ_YOUR_WRITES_TIMEOUT_MS).catch(() => undefined);
  }
  return outcome;
}
