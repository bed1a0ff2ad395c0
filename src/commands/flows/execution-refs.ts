import type { ExecutionRef } from '../../events/execution-events';
import type { EventStore } from '../../stores/events/event-store';
import { loadExecution } from './load-execution';

const MAX_ENTRIES = 100_000;

/**
 * Which task and project an execution belongs to never changes, so log appends (the bulk of executor
 * traffic) look it up here instead of replaying the execution's stream for every line. Only the ref is
 * cached, never the status: status reports still decide on the stream.
 */
class ExecutionRefCache {
  private readonly refs = new Map<string, ExecutionRef>();

  constructor(private readonly events: EventStore) {}

  async get(executionId: string): Promise<ExecutionRef> {
    const cached = this.refs.get(executionId);
    if (cached) return cached;
    const { ref } = await loadExecution(this.events, executionId);
    this.refs.set(executionId, ref);
    // Maps iterate in insertion order: the first key is the oldest.
    if (this.refs.size > MAX_ENTRIES) this.refs.delete(this.refs.keys().next().value!);
    return ref;
  }
}

const caches = new WeakMap<EventStore, ExecutionRefCache>();

/** The ref cache of one event store (one per server; tests run several). */
export function executionRefs(events: EventStore): ExecutionRefCache {
  let cache = caches.get(events);
  if (!cache) caches.set(events, (cache = new ExecutionRefCache(events)));
  return cache;
}
