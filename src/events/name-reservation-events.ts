import { type DomainEventOf, eventTypeNames } from './event';

/**
 * Uniqueness without a read model: one tiny stream per name key (`projectname-…`, `taskname-…`,
 * `useremail-…`, see streams.ts), appended with the exact expected revision, so two concurrent claims of
 * one name cannot both win. `ownerId` is the project, task or user id holding the name.
 */
export type NameReserved = DomainEventOf<'NameReserved', { ownerId: string; name: string }>;

export type NameReleased = DomainEventOf<'NameReleased', { ownerId: string }>;

export type NameReservationEvent = NameReserved | NameReleased;

export const NAME_RESERVATION_EVENT_TYPES = eventTypeNames<NameReservationEvent>({
  NameReserved: true,
  NameReleased: true,
});
