import { TooManyRequestsError } from '../errors/app-error';

/**
 * Runs tasks at most `concurrency` at a time, taking turns between keys (source addresses): a key
 * with many tasks waiting gets one turn, then every other waiting key gets one before its next. So a
 * flood of password checks from one address waits behind itself, not in front of everyone else, and
 * never holds more than `concurrency` of libuv's threads (which files and DNS lookups need too).
 */
export class FairQueue {
  private running = 0;
  /** Waiting tasks by key; Map order is turn order (a key served goes to the back). */
  private readonly waiting = new Map<string, Array<() => void>>();
  /** Waiting tasks that go before every key's turn. */
  private readonly first: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    /** Tasks one key may have waiting; beyond that it is refused at once (429). */
    private readonly maxWaitingPerKey: number,
  ) {}

  /** `ahead`: the task goes before every waiting key (a user signing in from a known place). */
  async run<T>(key: string, task: () => Promise<T>, ahead = false): Promise<T> {
    await this.turn(key, ahead);
    try {
      return await task();
    } finally {
      this.next();
    }
  }

  private turn(key: string, ahead: boolean): Promise<void> {
    if (this.running < this.concurrency && this.waiting.size === 0 && this.first.length === 0) {
      this.running += 1;
      return Promise.resolve();
    }
    if (ahead) return new Promise((resolve) => this.first.push(resolve));
    const queue = this.waiting.get(key) ?? [];
    if (queue.length >= this.maxWaitingPerKey) {
      return Promise.reject(new TooManyRequestsError('Too many sign-ins in progress from this address', 1, ['Wait for the earlier ones to be answered']));
    }
    return new Promise((resolve) => {
      queue.push(resolve);
      this.waiting.set(key, queue);
    });
  }

  /** Hands the finished task's place to the first waiting key, which then goes to the back of the line. */
  private next(): void {
    this.running -= 1;
    const start = this.first.shift() ?? this.nextInTurn();
    if (!start) return;
    this.running += 1;
    start();
  }

  private nextInTurn(): (() => void) | undefined {
    const first = this.waiting.entries().next();
    if (first.done) return undefined;
    const [key, queue] = first.value;
    this.waiting.delete(key);
    if (queue.length > 1) this.waiting.set(key, queue);
    return queue.shift();
  }
}
