import { randomUUID } from 'node:crypto';
import { schemaVersionOf } from '../../src/events/event-schemas';
import type { NewEvent } from '../../src/stores/events/event-store';

/** A well-formed event with fresh metadata, for store and runner tests: written as current code writes it. */
export function testEvent(type: string, data: Record<string, unknown> = {}): NewEvent {
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      actor: 'system:test',
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: schemaVersionOf(type),
    },
  };
}
