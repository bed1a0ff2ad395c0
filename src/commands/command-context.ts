import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '../stores/events/event-store';
import type { Clock } from '../time/clock';
import type { RequestIdempotency } from './idempotent-request';

/** Who asked and why: copied into the metadata of every event a command produces. */
export interface CommandContext {
  /** user id, API key id, or `system:<manager>`. */
  actor: string;
  correlationId: string;
  /** The event or request that caused this command. */
  causationId: string;
  /** Set for a request sent with an Idempotency-Key: its appends are recorded with it and made once. */
  idempotency?: RequestIdempotency;
}

export function newCommandContext(actor: string, causationId?: string, correlationId?: string): CommandContext {
  const id = causationId ?? randomUUID();
  return { actor, causationId: id, correlationId: correlationId ?? id };
}

/** `schemaVersion`: the version of the event's data shape, from the event registry (schemaVersionOf). */
export function eventMetadata(context: CommandContext, clock: Clock, schemaVersion: number): EventMetadata {
  return {
    eventId: randomUUID(),
    occurredAt: clock.now().toISOString(),
    actor: context.actor,
    correlationId: context.correlationId,
    causationId: context.causationId,
    schemaVersion,
  };
}
