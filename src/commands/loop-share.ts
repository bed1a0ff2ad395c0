import { performance } from 'node:perf_hooks';

/**
 * How long commands may run back to back before the event loop gets a turn. The embedded stores answer
 * reads synchronously, so a burst of commands started together (2,000 manual triggers, a full socket
 * buffer of reports) would otherwise run as one stretch of microtasks, and the scheduler's timers,
 * the event writer's acknowledgements and other requests would wait for all of it.
 */
export const LOOP_SHARE_MS = 8;

let stretchStartedAt = 0;
let stretchOpen = false;

function closeStretch(): void {
  stretchOpen = false;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether the current stretch has run its share; the first call after the loop's check phase opens one. */
function stretchIsLong(): boolean {
  const now = performance.now();
  if (!stretchOpen) {
    stretchOpen = true;
    stretchStartedAt = now;
    setImmediate(closeStretch);
    return false;
  }
  return now - stretchStartedAt >= LOOP_SHARE_MS;
}

/**
 * Nothing (go on) while the current stretch of commands is young; once it has run LOOP_SHARE_MS, a
 * promise of a later turn of the event loop, after timers and I/O. A stretch starts at the first call
 * after the loop passed its check phase and ends when the loop reaches that phase again.
 */
export function shareTheLoop(): Promise<void> | undefined {
  return stretchIsLong() ? laterTurn() : undefined;
}

/** Waits turn after turn until one has room: callers released together must not make a stretch of their own. */
async function laterTurn(): Promise<void> {
  do await nextTurn();
  while (stretchIsLong());
}
