import type { Consumer } from '../quarantine/quarantine-store';
import type { Position, RecordedEvent } from '../stores/events/event-store';
import type { ReadStore } from '../stores/read/read-store';
import { BatchOverlay } from './batch-overlay';
import type { Projection } from './projection';
import { physicalCollection } from './projection-registry';

export function projectionConsumer(projection: Projection, generation: number): Consumer {
  return { name: projection.name, kind: 'projection', generation };
}

/**
 * Applies events of a projection's generation in order, in one transaction with the checkpoint of the
 * last, or more where a filtered delete cuts them (the overlay cannot see through one); `committed`
 * hears of each transaction's checkpoint.
 */
export async function applyInOrder(
  projection: Projection,
  generation: number,
  events: RecordedEvent[],
  reads: ReadStore,
  checkpoint: string,
  committed: (position: Position) => void,
): Promise<void> {
  const overlay = new BatchOverlay(reads, (collection) => physicalCollection(projection.name, generation, collection));
  let last: Position | null = null;
  for (const event of events) {
    let cut = false;
    for (const op of await projection.handle(event, overlay)) {
      overlay.record(op, event.position);
      if (op.op === 'deleteMany') cut = true;
    }
    last = event.position;
    if (!cut) continue;
    await reads.applyBatch(overlay.take(), { name: checkpoint, position: last });
    committed(last);
    last = null;
  }
  if (last === null) return;
  await reads.applyBatch(overlay.take(), { name: checkpoint, position: last });
  committed(last);
}
