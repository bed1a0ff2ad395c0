/**
 * A decider is the pure heart of a command handler: it folds an aggregate's events into state and
 * decides which new events a command produces. No I/O, no clock, no randomness: those come in through
 * the command itself.
 */
export interface Decider<State, Command, Event extends { type: string }> {
  initialState: State;
  evolve(state: State, event: Event): State;
  /** Returns the events to append; throws an AppError when the command is refused. */
  decide(command: Command, state: State): Event[];
}

export function foldEvents<State, Event extends { type: string }>(
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  events: Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState);
}
