/**
 * The scheduler's one timer structure: a binary min-heap of every armed task by its next tick
 * instant. Items carry their own position (`heapIndex`, -1 when not in the heap), so re-keying or
 * removing one task after an edit is O(log n) without a search, and the heap allocates nothing per
 * operation.
 */
export interface HeapItem {
  /** Epoch ms of the next tick; the heap key. */
  nextMs: number;
  /** Position in the heap array; -1 when not in it. Owned by the heap. */
  heapIndex: number;
}

export class TickHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Inserts the item, or moves it if it is already in the heap, at its current `nextMs`. */
  upsert(item: T): void {
    if (this.has(item)) {
      this.fix(item.heapIndex);
      return;
    }
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.siftUp(item.heapIndex);
  }

  remove(item: T): void {
    if (!this.has(item)) return;
    const index = item.heapIndex;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last !== item) {
      this.items[index] = last;
      last.heapIndex = index;
      this.fix(index);
    }
  }

  private fix(index: number): void {
    if (index > 0 && this.items[index].nextMs < this.items[(index - 1) >> 1].nextMs) this.siftUp(index);
    else this.siftDown(index);
  }

  private siftUp(index: number): void {
    const items = this.items;
    const item = items[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex];
      if (parent.nextMs <= item.nextMs) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private siftDown(index: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[index];
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && items[right].nextMs < items[left].nextMs ? right : left;
      if (items[child].nextMs >= item.nextMs) break;
      items[index] = items[child];
      items[index].heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
