import { performance } from 'node:perf_hooks';

/**
 * How long commands may run back to back before the event loop gets a turn. The embedded stores answer
 * reads synchronously, so a burst of commands started together (2,000 manual triggers, a full socket
 * buffer of reports) would otherwise run as one stretch of microtasks, and the scheduler's timers,
 * the event writer's acknowledgements and other requests would wait for all of it.
 */
export const LOOP_SHARE_MS = 8;
/**
 * Longest, by default, that time-critical work (the scheduler's ticks of one instant, from the first fired
 * to the last committed) holds commands back; past it they take turns with that work again, so a hundred
 * thousand ticks due at once, or a store that keeps a tick's write waiting, cannot starve requests.
 */
export const HOLD_MAX_MS = 200;

let stretchStartedAt = 0;
let stretchOpen = false;

interface Hold {
  over: Promise<void>;
  end: () => void;
}
/** The hold in force; 'expired' once it ran its longest with its holders still at work. */
let hold: Hold | 'expired' | null = null;
let holders = 0;
/** Waiting for the time-critical work in progress, or the next, to be over (afterTimeCriticalWork). */
const quietWaiters = new Set<() => void>();

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

function heldBack(): Hold | null {
  return hold === null || hold === 'expired' ? null : hold;
}

/**
 * Nothing (go on) while the current stretch of commands is young and nothing holds commands back; else
 * a promise of a later turn of the event loop, after timers and I/O (and after the hold). A stretch
 * starts at the first call after the loop passed its check phase and ends when the loop reaches that
 * phase again.
 */
export function shareTheLoop(): Promise<void> | undefined {
  return heldBack() || stretchIsLong() ? laterTurn() : undefined;
}

/**
 * Waits turn after turn until one has room: callers released together must not make a stretch of their
 * own. Each waits on its own setImmediate even after a hold, so each runs its command up to the next
 * wait before the next caller checks the stretch (a shared promise would let them all pass the check first).
 */
async function laterTurn(): Promise<void> {
  do {
    const held = heldBack();
    if (held) await held.over;
    await nextTurn();
  } while (heldBack() || stretchIsLong());
}

/**
 * Holds commands back while time-critical work runs in turns of its own (each tick the scheduler has
 * fired and not yet seen committed): commands reaching shareTheLoop wait until every holder has
 * released, or `maxMs` has passed (as the holder that started the hold asked); after that, none are held
 * until every holder has released. Returns the release (calling it again does nothing).
 */
export function holdCommands(maxMs = HOLD_MAX_MS): () => void {
  holders++;
  if (hold === null) {
    let end!: () => void;
    const over = new Promise<void>((resolve) => (end = resolve));
    const timer = setTimeout(() => endHold('expired'), maxMs);
    timer.unref();
    hold = { over, end: () => (clearTimeout(timer), end()) };
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders > 0) return;
    endHold(null);
    for (const wake of [...quietWaiters]) wake();
  };
}

/**
 * Resolves once the time-critical work in progress, or else the next to begin, is over (every holder
 * released), or after `maxWaitMs` if none is, or at once when `signal` aborts. The moment for a long
 * synchronous stretch that must not fall on an instant whose ticks are firing: right after one, the loop
 * has the rest of the second.
 */
export function afterTimeCriticalWork(maxWaitMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      quietWaiters.delete(wake);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, maxWaitMs);
    timer.unref();
    quietWaiters.add(wake);
    if (signal?.aborted) wake();
    else signal?.addEventListener('abort', wake, { once: true });
  });
}

function endHold(next: typeof hold): void {
  const ending = heldBack();
  hold = next;
  ending?.end();
}
