import type { Consumer } from '../quarantine/quarantine-store';
import type { RecordedEvent } from '../stores/events/event-store';
import type { Checkpoint, PositionedOperation, ReadStore } from '../stores/read/read-store';
import { BatchOverlay } from './batch-overlay';
import type { Projection } from './projection';
import { physicalCollection } from './projection-registry';

export function projectionConsumer(projection: Projection, generation: number): Consumer {
  return { name: projection.name, kind: 'projection', generation };
}

/**
 * Applies one event of a projection's generation in a transaction of its own, with `extra` writes
 * after it (a quarantine record's release) and the given checkpoint.
 */
export async function applyAlone(
  projection: Projection,
  generation: number,
  event: RecordedEvent,
  reads: ReadStore,
  checkpoint: Checkpoint,
  extra: PositionedOperation[] = [],
): Promise<void> {
  const overlay = new BatchOverlay(reads, (collection) => physicalCollection(projection.name, generation, collection));
  for (const op of await projection.handle(event, overlay)) overlay.record(op, event.position);
  await reads.applyBatch([...overlay.take(), ...extra], checkpoint);
}
