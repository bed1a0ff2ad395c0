import type { AppServices } from '../../app-services';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import type { NameReservationDecider } from './name-reservation-decider';

type Services = Pick<AppServices, 'events' | 'clock' | 'projections'>;

/**
 * Claims a unique name for `ownerId` (ConflictError when another owner holds it). True when this call
 * made the claim, false when the owner held it already: only a new claim is undone when a later step fails.
 * No read model reads reservations, so nothing is waited for.
 */
export async function reserveName(
  services: Services,
  stream: string,
  decider: NameReservationDecider,
  ownerId: string,
  name: string,
  context: CommandContext,
): Promise<boolean> {
  const outcome = await executeCommand(services, stream, decider, { type: 'ReserveName', ownerId, name }, context, { readYourWrites: false });
  return outcome.events.length > 0;
}

/** Gives a name back (after a rename, a deletion, or to undo a reservation whose next step failed). */
export async function releaseName(
  services: Services,
  stream: string,
  decider: NameReservationDecider,
  ownerId: string,
  context: CommandContext,
): Promise<void> {
  await executeCommand(services, stream, decider, { type: 'ReleaseName', ownerId }, context, { readYourWrites: false });
}

/** Who holds a name right now, from the reservation stream itself (no read-model lag). */
export async function nameOwner(services: Pick<AppServices, 'events'>, stream: string, decider: NameReservationDecider): Promise<string | null> {
  const { state } = await loadAggregate(services.events, stream, decider);
  return state?.ownerId ?? null;
}
