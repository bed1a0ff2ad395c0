import type { AppServices } from '../app-services';
import { awaitReadModels } from '../projections/await-read-models';
import type { CommandContext } from './command-context';
import type { Decider } from './decider';
import { type CommandOutcome, type DomainEvent, handleCommand, type KnownAggregate } from './handle-command';
import type { RevisionPrecondition } from './revision-precondition';

export interface ExecuteOptions<State = unknown> {
  /**
   * Wait until the projections have applied the new events, so the caller's next read sees its own
   * write. Only a step of a flow that waits once at its end, or for a later step, skips it. (Log lines
   * do not wait at all; the reads of them do: queries/logged-lines.ts.)
   */
  readYourWrites?: boolean;
  /** The revisions the client's If-Match accepts; absent: unconditional. */
  ifMatch?: RevisionPrecondition;
  /** The stream's state as the caller knows it (handle-command.ts); a new id's stream is not read. */
  known?: KnownAggregate<State>;
}

/** Runs a command through its decider and, by default, waits for the read models to include it. */
export async function executeCommand<State, Command, Event extends DomainEvent>(
  services: Pick<AppServices, 'events' | 'clock' | 'projections'>,
  stream: string,
  decider: Decider<State, Command, Event>,
  command: Command,
  context: CommandContext,
  options: ExecuteOptions<State> = {},
): Promise<CommandOutcome<State, Event>> {
  const outcome = await handleCommand(services.events, services.clock, stream, decider, command, context, options.ifMatch, options.known);
  if (options.readYourWrites !== false) await awaitReadModels(services, outcome.position);
  return outcome;
}
