/**
 * The shape every domain event shares: a past-tense `type` and plain-JSON `data`. Metadata (event id,
 * actor, correlation, clock time) is added by the command shell, not by deciders.
 *
 * Conventions for `data` in every category:
 * - camelCase fields; instants are ISO-8601 strings; "no value" is `null`, never an absent field, so an
 *   event's shape is the same every time and upcasters only ever add fields;
 * - every event names its aggregate (and the project it belongs to), so a projection or a project-scoped
 *   live feed can use an event without looking anything up.
 */
export interface DomainEventOf<Type extends string, Data> {
  type: Type;
  data: Data;
}

/**
 * Lists the type names of a union. Written as a record so the compiler insists on every name exactly
 * once: adding an event to a union without listing it (or listing a stray one) fails to compile.
 */
export function eventTypeNames<Event extends { type: string }>(names: Record<Event['type'], true>): Event['type'][] {
  return Object.keys(names) as Event['type'][];
}

/** Narrows a stored event (of any category) to a union by its type name list. */
export function isEventOf<Event extends { type: string }>(
  names: readonly Event['type'][],
  event: { type: string },
): event is Event {
  return (names as readonly string[]).includes(event.type);
}
