import { ConflictError } from '../../errors/app-error';
import type { NameReservationEvent } from '../../events/name-reservation-events';
import type { Decider } from '../decider';

export type NameReservationCommand =
  | { type: 'ReserveName'; ownerId: string; name: string }
  | { type: 'ReleaseName'; ownerId: string };

/** null: the name is free (never reserved, or released). */
export type NameReservationState = { ownerId: string; name: string } | null;

export type NameReservationDecider = Decider<NameReservationState, NameReservationCommand, NameReservationEvent>;

/**
 * One decider for every kind of unique name; only the refusal message differs. The caller reserves
 * before it creates or renames, and releases the old name after a rename or a deletion.
 * Re-reserving by the holder and releasing a name one does not hold are no-ops, so a retried or
 * compensating step is harmless.
 */
export function nameReservationDecider(whenTaken: (name: string) => string): NameReservationDecider {
  return {
    initialState: null,
    evolve(state, event) {
      switch (event.type) {
        case 'NameReserved':
          return { ownerId: event.data.ownerId, name: event.data.name };
        case 'NameReleased':
          return null;
        default:
          return state;
      }
    },
    decide(command, state) {
      switch (command.type) {
        case 'ReserveName':
          if (state === null) return [{ type: 'NameReserved', data: { ownerId: command.ownerId, name: command.name } }];
          if (state.ownerId === command.ownerId) return [];
          throw new ConflictError(whenTaken(command.name));
        case 'ReleaseName':
          if (state === null || state.ownerId !== command.ownerId) return [];
          return [{ type: 'NameReleased', data: { ownerId: command.ownerId } }];
      }
    },
  };
}

export const projectNameDecider = nameReservationDecider(
  (name) => `A project named "${name}" already exists (names are compared case-insensitively); choose another name`,
);

export const taskNameDecider = nameReservationDecider(
  (name) => `This project already has a task named "${name}" (names are compared case-insensitively); choose another name`,
);

export const userEmailDecider = nameReservationDecider((email) => `An account with the email ${email} already exists`);
