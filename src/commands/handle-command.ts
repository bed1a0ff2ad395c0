import { ConflictError } from '../errors/app-error';
import { schemaVersionOf } from '../events/event-schemas';
import { StreamNotFoundError, WrongExpectedRevisionError } from '../errors/store-errors';
import type { EarlierAppend, EventStore, ExpectedRevision, NewEvent, Position, RecordedEvent } from '../stores/events/event-store';
import type { Clock } from '../time/clock';
import { type CommandContext, eventMetadata } from './command-context';
import type { Decider } from './decider';
import { shareTheLoop } from './loop-share';
import { type RevisionPrecondition, requireRevision } from './revision-precondition';

export interface DomainEvent {
  type: string;
  data: unknown;
}

export interface CommandOutcome<State, Event> {
  state: State;
  /** Events appended by this command (empty when the command was a no-op). */
  events: Event[];
  /** Revision of the stream after the command. */
  revision: number | 'no_stream';
  /** Position of the last appended event; null when nothing was appended. */
  position: Position | null;
}

const MAX_ATTEMPTS = 5;

/**
 * The shell around a decider: read the stream, fold, decide, append with the exact expected revision.
 * On a concurrent write it re-reads and decides again; after a few lost races it answers 409.
 * In a request sent with an Idempotency-Key whose append the store already holds (a retry after a
 * crash, or on another instance), it appends nothing and answers the outcome of that earlier append.
 * With a precondition (If-Match), the revision that was read must be one it accepts (else 412); the
 * append expects that same revision, so a write landing in between fails the append and the re-read
 * answers 412: the client's check and its write are atomic.
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: EventStore,
  clock: Clock,
  stream: string,
  decider: Decider<State, Command, Event>,
  command: Command,
  context: CommandContext,
  precondition?: RevisionPrecondition,
  known?: KnownAggregate<State>,
): Promise<CommandOutcome<State, Event>> {
  const idempotency = context.idempotency;
  const append = idempotency?.nextAppend(stream);
  if (append) {
    // Looked up before deciding again: on the state after its own events the command may decide otherwise.
    const earlier = await store.idempotency.earlierAppend(stream, append);
    if (earlier) {
      idempotency!.done({ replayedFrom: earlier.fromRevision });
      return earlierOutcome(store, stream, decider, earlier);
    }
  }
  const options = append && { idempotency: append };
  for (let attempt = 1; ; attempt++) {
    // What the caller knew holds for the first attempt; after a lost race the stream is read whole.
    const { state, revision } = await loadAggregate(store, stream, decider, attempt === 1 ? known : undefined);
    // Decided first: a request the aggregate refuses anyway (404, 409, 410) gets that answer, not 412 (RFC 9110 §13.2.1).
    const events = decider.decide(command, state);
    requireRevision(precondition, revision, stream);
    if (events.length === 0) return { state, events, revision, position: null };
    const expected: ExpectedRevision = revision;
    try {
      const result = await store.append(stream, events.map((e) => toNewEvent(e, context, clock)), expected, options);
      idempotency?.done(result);
      if (result.replayedFrom !== undefined) {
        return earlierOutcome(store, stream, decider, { fromRevision: result.replayedFrom, toRevision: result.nextExpectedRevision, position: result.position });
      }
      return { state: events.reduce(decider.evolve, state), events, revision: result.nextExpectedRevision, position: result.position };
    } catch (err) {
      if (err instanceof WrongExpectedRevisionError && attempt < MAX_ATTEMPTS) continue;
      if (err instanceof WrongExpectedRevisionError) {
        throw new ConflictError(`${stream} is being changed concurrently; try again`);
      }
      throw err;
    }
  }
}

/** The outcome an earlier append of the same request had: the state after its events, and those events. */
async function earlierOutcome<State, Event extends DomainEvent>(
  store: EventStore,
  stream: string,
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  earlier: EarlierAppend,
): Promise<CommandOutcome<State, Event>> {
  const recorded = await store.readStream(stream, { maxCount: earlier.toRevision + 1 });
  const state = recorded.reduce((s, event) => decider.evolve(s, event as unknown as Event), decider.initialState);
  const events = recorded.filter((event) => event.revision >= earlier.fromRevision).map((event) => ({ type: event.type, data: event.data }) as Event);
  return { state, events, revision: earlier.toRevision, position: earlier.position };
}

/**
 * A stream's state as its caller already folded it up to `revision` (a process manager following the
 * stream): loading then reads and folds only the events after it. Streams only grow, so the prefix stays
 * true; a deleted stream still fails the read. `no_stream` is a stream the caller has just named (a new
 * id): nothing is read, and the append's expectation checks that it is new.
 */
export interface KnownAggregate<State> {
  state: State;
  revision: number | 'no_stream';
}

export async function loadAggregate<State, Event extends DomainEvent>(
  store: EventStore,
  stream: string,
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  known?: KnownAggregate<State>,
): Promise<{ state: State; revision: number | 'no_stream' }> {
  if (known?.revision === 'no_stream') return { state: known.state, revision: 'no_stream' };
  // Commands started together take turns with the scheduler's timers and the store's acknowledgements.
  const turn = shareTheLoop();
  if (turn) await turn;
  let recorded: RecordedEvent[];
  try {
    recorded = await store.readStream(stream, known ? { fromRevision: known.revision + 1 } : {});
  } catch (err) {
    if (err instanceof StreamNotFoundError && !known) return { state: decider.initialState, revision: 'no_stream' };
    throw err;
  }
  let state = known ? known.state : decider.initialState;
  for (const event of recorded) state = decider.evolve(state, event as unknown as Event);
  const last = recorded.at(-1);
  return { state, revision: last ? last.revision : (known?.revision ?? 'no_stream') };
}

export function toNewEvent(event: DomainEvent, context: CommandContext, clock: Clock): NewEvent {
  return { type: event.type, data: event.data, metadata: eventMetadata(context, clock, schemaVersionOf(event.type)) };
}
