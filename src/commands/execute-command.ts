import type { AppServices } from '../app-services';
import type { Position } from '../stores/events/event-store';
import type { CommandContext } from './command-context';
import type { Decider } from './decider';
import { type CommandOutcome, type DomainEvent, handleCommand } from './handle-command';

export interface ExecuteOptions {
  /**
   * Wait until the projections have applied the new events, so the caller's next read sees its own
   * write. Only a step of a flow that waits once at its end, or for a later step, skips it. (Log lines
   * do not wait at all; the reads of them do: queries/logged-lines.ts.)
   */
  readYourWrites?: boolean;
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
  const outcome = await handleCommand(services.events, services.clock, stream, decider, command, context);
  if (options.readYourWrites !== false) await awaitReadModels(services, outcome.position);
  return outcome;
}

/** Waits until the read models include every event up to `position` (the last one a command wrote). */
export async function awaitReadModels(services: Pick<AppServices, 'projections'>, position: Position | null): Promise<void> {
  if (position === null) return;
  // The write is durable either way; if the read models lag (no leader right now, a rebuild), the
  // caller gets its answer and the read models catch up later, rather than an error for a done command.
  await services.projections.waitForPosition(position, READ_YOUR_WRITES_TIMEOUT_MS).catch(() => undefined);
}
