import type { Clock } from '../../time/clock';
import { type HeapSlot, IndexedMinHeap } from '../indexed-min-heap';

/** A deadline: when it falls due (epoch ms), and its place in the heap. */
export interface HeapItem extends HeapSlot {
  at: number;
}

/** Due items handed over per macrotask, so a burst of expiries never holds the event loop for long. */
const DEFAULT_SLICE = 1000;

/**
 * One timer structure for any number of deadlines: a min-heap of items and a single clock timer armed
 * for the earliest one (never a timer per deadline). While not started it only collects items (a
 * process manager replaying its events); `start` arms the timer and hands over what is already due.
 * All time comes from the injected clock.
 */
export class DeadlineTracker<T extends HeapItem> {
  private readonly heap = new IndexedMinHeap<T>((item) => item.at);
  private cancelTimer: (() => void) | null = null;
  private armedAt: number | null = null;
  private started = false;
  private draining = false;

  constructor(
    private readonly clock: Clock,
    /** Receives due items (already removed from the tracker), oldest first, in slices. */
    private readonly onDue: (items: T[], now: Date) => void,
    private readonly slice = DEFAULT_SLICE,
  ) {}

  get size(): number {
    return this.heap.size;
  }

  has(item: T): boolean {
    return this.heap.has(item);
  }

  /** Adds the item, or moves it to its (changed) `at`. */
  set(item: T): void {
    this.heap.upsert(item);
    if (this.started && !this.draining && (this.armedAt === null || item.at < this.armedAt)) this.arm();
  }

  remove(item: T): void {
    this.heap.remove(item);
    // The timer may now be early; it then finds nothing due and re-arms for the new earliest item.
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.drain();
  }

  stop(): void {
    this.started = false;
    this.disarm();
  }

  private arm(): void {
    this.disarm();
    const next = this.heap.peek();
    if (!next || !this.started) return;
    this.armedAt = next.at;
    this.cancelTimer = this.clock.setTimer(new Date(next.at), () => {
      this.cancelTimer = null;
      this.armedAt = null;
      this.drain();
    });
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.armedAt = null;
  }

  /** Hands over every due item, one slice per macrotask, then arms for the next one. */
  private drain(): void {
    if (!this.started) return;
    this.draining = true;
    const now = this.clock.now();
    const nowMs = now.getTime();
    const due: T[] = [];
    while (due.length < this.slice) {
      const next = this.heap.peek();
      if (!next || next.at > nowMs) break;
      due.push(this.heap.pop()!);
    }
    if (due.length > 0) {
      try {
        this.onDue(due, now);
      } catch {
        // onDue handles its own errors; a throw must not stop the tracker.
      }
    }
    const next = this.heap.peek();
    if (next && next.at <= nowMs && due.length === this.slice) {
      setImmediate(() => this.drain());
      return;
    }
    this.draining = false;
    this.arm();
  }
}
