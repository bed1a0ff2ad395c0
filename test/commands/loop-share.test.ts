import { performance } from 'node:perf_hooks';
import { afterTimeCriticalWork, HOLD_MAX_MS, holdCommands, LOOP_SHARE_MS, shareTheLoop } from '../../src/commands/loop-share';

/** Holds the thread for `ms` of real time, as a command's synchronous reads and decisions do. */
function work(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** A command as loadAggregate runs it: share the loop, then work synchronously. */
async function command(ms: number, done: number[], id: number): Promise<void> {
  const turn = shareTheLoop();
  if (turn) await turn;
  work(ms);
  done.push(id);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('sharing the event loop between commands started together', () => {
  it('lets a timer due meanwhile run after one share, not after the whole burst', async () => {
    await nextTurn(); // a stretch of its own, not one an earlier test opened
    const done: number[] = [];
    let seenByTimer = -1;
    const timer = new Promise<void>((resolve) => setTimeout(() => ((seenByTimer = done.length), resolve()), 0));
    const burst = Array.from({ length: 100 }, (_, i) => command(1, done, i));
    await Promise.all([timer, ...burst]);
    expect(done).toHaveLength(100);
    // One share of LOOP_SHARE_MS of 1 ms commands, and the command under way when it ran out.
    expect(seenByTimer).toBeGreaterThan(0);
    expect(seenByTimer).toBeLessThanOrEqual(LOOP_SHARE_MS + 1);
  });

  it('keeps the order commands were started in', async () => {
    await nextTurn();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 50 }, (_, i) => command(1, done, i)));
    expect(done).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('goes on at once while the stretch is young', async () => {
    await nextTurn();
    // The stretch's clock moves by hand: a loaded machine that stops this thread for a while must not age it.
    let now = 1_000;
    const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
    let turn: Promise<void> | undefined;
    try {
      expect(shareTheLoop()).toBeUndefined();
      now += LOOP_SHARE_MS - 1;
      expect(shareTheLoop()).toBeUndefined();
      now += 1;
      turn = shareTheLoop();
      expect(turn).toBeInstanceOf(Promise);
    } finally {
      clock.mockRestore();
    }
    await turn;
  });

  it('asks for a later turn once the stretch has run its share, and a new turn starts a new stretch', async () => {
    await nextTurn();
    expect(shareTheLoop()).toBeUndefined();
    work(LOOP_SHARE_MS + 1);
    const turn = shareTheLoop();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    expect(shareTheLoop()).toBeUndefined();
  });
});

describe('holding commands back while time-critical work runs', () => {
  /** Longer than any test waits, so a stalled machine cannot end a hold before the test looks. */
  const LONG_HOLD_MS = 60_000;

  async function turns(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await nextTurn();
  }

  it('keeps commands waiting turn after turn until the holder releases them', async () => {
    await nextTurn();
    const release = holdCommands(LONG_HOLD_MS);
    const done: number[] = [];
    const burst = Array.from({ length: 5 }, (_, i) => command(0, done, i));
    await turns(5);
    expect(done).toEqual([]);
    release();
    await Promise.all(burst);
    expect(done).toEqual([0, 1, 2, 3, 4]);
    await nextTurn();
    expect(shareTheLoop()).toBeUndefined();
  });

  it('waits for every holder, and a second release does nothing', async () => {
    await nextTurn();
    const first = holdCommands(LONG_HOLD_MS);
    const second = holdCommands(LONG_HOLD_MS);
    const done: number[] = [];
    const waiting = command(0, done, 1);
    first();
    first();
    await turns(3);
    expect(done).toEqual([]);
    second();
    await waiting;
    expect(done).toEqual([1]);
  });

  it('lets commands go after HOLD_MAX_MS even while the holder is still at work, and holds no more until it releases', async () => {
    await nextTurn();
    const startedAt = performance.now();
    const release = holdCommands();
    const done: number[] = [];
    await command(0, done, 1);
    // Timers may fire up to a millisecond early by their rounding.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(HOLD_MAX_MS - 1);
    const again = holdCommands();
    await nextTurn();
    expect(shareTheLoop()).toBeUndefined();
    again();
    release();
    // A hold that outlasts the test: a stalled machine must not let it expire before the test looks.
    const next = holdCommands(LONG_HOLD_MS);
    await nextTurn();
    expect(shareTheLoop()).toBeInstanceOf(Promise);
    next();
  });

  it('holds as long as the holder that started the hold asked, whatever later holders ask', async () => {
    // Only the hold's own timer is faked: the loop's turns stay real.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance', 'Date', 'hrtime'] });
    try {
      await nextTurn();
      const release = holdCommands(30);
      const later = holdCommands(LONG_HOLD_MS);
      const done: number[] = [];
      const waiting = command(0, done, 1);
      jest.advanceTimersByTime(29);
      await turns(3);
      expect(done).toEqual([]);
      jest.advanceTimersByTime(1);
      await waiting;
      expect(done).toEqual([1]);
      later();
      release();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('waiting for the time-critical work of the moment to be over', () => {
  const LONG_WAIT_MS = 60_000;

  it('resolves when every holder of the hold in force has released, past its HOLD_MAX_MS', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance', 'Date', 'hrtime'] });
    try {
      const first = holdCommands();
      const second = holdCommands();
      let over = false;
      const quiet = afterTimeCriticalWork(LONG_WAIT_MS).then(() => (over = true));
      jest.advanceTimersByTime(HOLD_MAX_MS);
      first();
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(over).toBe(false);
      second();
      await quiet;
      expect(over).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('waits for the next hold to begin and end when none is in force', async () => {
    let over = false;
    const quiet = afterTimeCriticalWork(LONG_WAIT_MS).then(() => (over = true));
    await new Promise((resolve) => setImmediate(resolve));
    const release = holdCommands(LONG_WAIT_MS);
    await new Promise((resolve) => setImmediate(resolve));
    expect(over).toBe(false);
    release();
    await quiet;
    expect(over).toBe(true);
  });

  it('resolves at once when its signal aborts, while the hold goes on', async () => {
    const release = holdCommands(LONG_WAIT_MS);
    const stopping = new AbortController();
    const quiet = afterTimeCriticalWork(LONG_WAIT_MS, stopping.signal);
    stopping.abort();
    await quiet;
    await afterTimeCriticalWork(LONG_WAIT_MS, stopping.signal);
    release();
  });

  it('resolves after its longest wait when no time-critical work comes', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'performance', 'Date', 'hrtime'] });
    try {
      let over = false;
      const quiet = afterTimeCriticalWork(500).then(() => (over = true));
      jest.advanceTimersByTime(499);
      await new Promise((resolve) => setImmediate(resolve));
      expect(over).toBe(false);
      jest.advanceTimersByTime(1);
      await quiet;
      expect(over).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
