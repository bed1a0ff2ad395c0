import type { Clock } from '../../src/time/clock';

/** A clock that only moves when a test says so; timers fire in time order as it passes them. */
export class ManualClock implements Clock {
  private current: number;
  private timers: Array<{ at: number; seq: number; callback: () => void }> = [];
  private seq = 0;

  constructor(start: Date | string = new Date()) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(at: Date, callback: () => void): () => void {
    const timer = { at: at.getTime(), seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Jumps to an instant without firing timers (for tests that only need `now`). */
  set(instant: Date | string): void {
    this.current = new Date(instant).getTime();
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves the clock forward, firing each due timer at its own instant and letting its async work settle. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(new Date(this.current + ms));
  }

  async advanceTo(target: Date): Promise<void> {
    const end = target.getTime();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      next.callback();
      await settle();
    }
    this.current = Math.max(this.current, end);
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
