import { NotFoundError } from '../../errors/app-error';
import { executionStream } from '../../events/streams';
import type { EventStore } from '../../stores/events/event-store';
import { executionDecider } from '../execution/execution-decider';
import type { Execution } from '../execution/execution-state';
import { type KnownAggregate, loadAggregate } from '../handle-command';
import { idInMessage } from '../../errors/ids';

/**
 * An execution from its stream, not a read model: executors report the moment they are dispatched,
 * possibly before the projections have seen the execution. 404 when unknown, 410 once purged.
 */
export async function loadExecution(events: EventStore, executionId: string): Promise<Execution> {
  return (await loadKnownExecution(events, executionId)).state;
}

/** The same, with the revision it was read at: a command on it then reads only what came after (KnownAggregate). */
export async function loadKnownExecution(events: EventStore, executionId: string): Promise<KnownAggregate<Execution>> {
  const { state, revision } = await loadAggregate(events, executionStream(executionId), executionDecider);
  if (state === null) throw new NotFoundError(`Execution ${idInMessage(executionId)} does not exist`);
  return { state, revision };
}
