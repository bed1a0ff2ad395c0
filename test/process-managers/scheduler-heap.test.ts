import { type HeapSlot, IndexedMinHeap } from '../../src/process-managers/indexed-min-heap';

type HeapItem = HeapSlot & { nextMs: number };
import { catchUpExecutionId, SCHEDULER_TICK_NAMESPACE, tickExecutionId } from '../../src/process-managers/scheduler';
import { v5 as uuidv5 } from 'uuid';

describe('the scheduler tick heap', () => {
  it('keeps the earliest tick on top through random inserts, re-keys and removals', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const heap = new IndexedMinHeap<HeapItem & { id: number }>((item) => item.nextMs);
    const items = Array.from({ length: 500 }, (_, id) => ({ id, nextMs: Math.floor(random() * 1e6), heapIndex: -1 }));
    const inHeap = new Set<HeapItem>();
    for (let step = 0; step < 20_000; step++) {
      const item = items[Math.floor(random() * items.length)];
      if (random() < 0.3) {
        heap.remove(item);
        inHeap.delete(item);
      } else {
        item.nextMs = Math.floor(random() * 1e6);
        heap.upsert(item);
        inHeap.add(item);
      }
      expect(heap.size).toBe(inHeap.size);
      if (step % 500 === 0) {
        const min = Math.min(...[...inHeap].map((i) => i.nextMs));
        expect(heap.peek()?.nextMs ?? Number.POSITIVE_INFINITY).toBe(inHeap.size ? min : Number.POSITIVE_INFINITY);
      }
    }
    // Draining gives every armed item once, in order.
    const drained: number[] = [];
    for (let top = heap.peek(); top; top = heap.peek()) {
      drained.push(top.nextMs);
      heap.remove(top);
      expect(heap.has(top)).toBe(false);
    }
    expect(drained).toHaveLength(inHeap.size);
    expect(drained).toEqual([...drained].sort((a, b) => a - b));
  });
});

describe('tick execution ids', () => {
  const taskId = '0b6c7c2e-8f1d-4f57-9a53-3d0c1f7e2a10';

  it('are UUIDv5 of `${taskId}|${scheduledAtISO}` (and `|catch-up` for a catch-up run) in a fixed namespace', () => {
    const at = '2026-06-01T08:00:00.000Z';
    expect(tickExecutionId(taskId, at)).toBe(uuidv5(`${taskId}|${at}`, SCHEDULER_TICK_NAMESPACE));
    expect(catchUpExecutionId(taskId, at)).toBe(uuidv5(`${taskId}|${at}|catch-up`, SCHEDULER_TICK_NAMESPACE));
    expect(tickExecutionId(taskId, at)).not.toBe(catchUpExecutionId(taskId, at));
    // Pinned: a changed namespace or format would re-create every tick after an upgrade.
    expect(SCHEDULER_TICK_NAMESPACE).toBe('94d1adf2-ca9e-42dc-b0f3-40f9401440b9');
    expect(tickExecutionId(taskId, at)).toBe('556c7b1b-3c71-5299-a138-88aae21b1118');
  });
});
