/** Everything that needs the time takes a Clock, so tests can drive it (test/support/manual-clock.ts). */
export interface Clock {
  now(): Date;
  /** Calls `callback` once when the clock reaches `at` (at once if it already has); returns a cancel function. */
  setTimer(at: Date, callback: () => void): () => void;
}

/** setTimeout cannot wait longer than 2^31-1 ms; longer waits re-arm. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(at, callback) {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const wait = at.getTime() - Date.now();
      handle = setTimeout(wait > MAX_TIMEOUT_MS ? arm : callback, Math.min(Math.max(wait, 0), MAX_TIMEOUT_MS));
      handle.unref();
    };
    arm();
    return () => clearTimeout(handle);
  },
};
