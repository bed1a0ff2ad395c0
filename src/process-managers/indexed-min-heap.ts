/**
 * The one timer structure of the scheduler and the deadlines manager: a binary min-heap whose items
 * carry their own position (`heapIndex`, -1 when not in the heap), so re-keying or removing an item
 * (a task edited, an execution ended) is O(log n) without a search, and no operation allocates.
 */
export interface HeapSlot {
  /** Position in the heap array; -1 when not in it. Owned by the heap. */
  heapIndex: number;
}

export class IndexedMinHeap<T extends HeapSlot> {
  private readonly items: T[] = [];

  /** `key` gives an item's epoch-ms instant; it must not change while the item sits in the heap unless upsert follows. */
  constructor(private readonly key: (item: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Inserts the item, or moves it to where its current key belongs if it is already in the heap. */
  upsert(item: T): void {
    if (this.has(item)) {
      this.fix(item.heapIndex);
      return;
    }
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.siftUp(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top) this.remove(top);
    return top;
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
    if (index > 0 && this.key(this.items[index]) < this.key(this.items[(index - 1) >> 1])) this.siftUp(index);
    else this.siftDown(index);
  }

  private siftUp(index: number): void {
    const items = this.items;
    const item = items[index];
    const key = this.key(item);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex];
      if (this.key(parent) <= key) break;
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
    const key = this.key(item);
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.key(items[right]) < this.key(items[left]) ? right : left;
      if (this.key(items[child]) >= key) break;
      items[index] = items[child];
      items[index].heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
