import { type Decider, foldEvents } from '../../src/commands/decider';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Given/when/then for deciders:
 *   given(decider, history).when(command).then(expectedEvents)
 *   given(decider, history).when(command).thenThrows(ConflictError, /message/)
 * The state and the command are deep-frozen, so a decider that mutates either fails the test; `then`
 * also folds the new events, so an event `evolve` cannot apply fails where it is produced.
 * (The object `when` returns has a `then` method: end the chain, never return or await it.)
 */
export function given<State, Command, Event extends { type: string }>(
  decider: Decider<State, Command, Event>,
  history: Event[] = [],
) {
  const state = deepFreeze(foldEvents(decider, structuredClone(history)));
  return {
    state,
    when(command: Command) {
      const decide = () => decider.decide(deepFreeze(structuredClone(command)), state);
      return {
        /** Asserts the events; returns the state after them. */
        then(expected: Event[]): State {
          const events = decide();
          expect(events).toEqual(expected);
          return events.reduce(decider.evolve, state);
        },
        /** Asserts that the command is accepted and changes nothing. */
        thenNothing(): void {
          expect(decide()).toEqual([]);
        },
        /** Asserts the refusal; returns the error for further checks (e.g. details). */
        thenThrows<E extends Error>(errorClass: ErrorClass & (abstract new (...args: never[]) => E), message?: RegExp): E {
          let thrown: unknown;
          try {
            decide();
          } catch (err) {
            thrown = err;
          }
          if (thrown === undefined) throw new Error(`Expected ${errorClass.name} but the command was accepted`);
          expect(thrown).toBeInstanceOf(errorClass);
          if (message) expect((thrown as Error).message).toMatch(message);
          return thrown as E;
        },
      };
    },
  };
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The events commands produce over a history, each decided over the state the ones before it left. */
export function decideInTurn<State, Command, Event extends { type: string }>(decider: Decider<State, Command, Event>, history: Event[], ...commands: Command[]): Event[] {
  let state = history.reduce(decider.evolve, decider.initialState);
  const all: Event[] = [];
  for (const command of commands) {
    const events = decider.decide(command, state);
    state = events.reduce(decider.evolve, state);
    all.push(...events);
  }
  return all;
}
