/**
 * The scheduler bench's phase S (bench/scheduler.ts): phase A again while the runner saves the
 * scheduler's state every `--save-every` seconds instead of every five minutes, so that a window holds
 * several saves. A save holds the thread for as long as the state is large (100,000 tasks: a JSON text of
 * tens of megabytes, then its transaction); the figures say how late it makes the ticks around it.
 */
import type { SnapshotPolicy } from '../src/process-managers/manager-loop';
import { DEFAULT_SNAPSHOT_POLICY } from '../src/process-managers/manager-loop';
import type { BenchRow } from './report';

type Percentiles = { p50: number; p99: number; max: number };

/** Saves at most every `seconds`, after any event applied since the last. */
export function frequentSaves(seconds: number): SnapshotPolicy {
  return { ...DEFAULT_SNAPSHOT_POLICY, events: 1, intervalMs: seconds * 1000 };
}

export interface SavesResult {
  fire: Percentiles;
  committed: Percentiles;
  loopHeldMs: number;
  saves: number;
}

/** Phase S's rows, each beside phase A's figure (the same scheduler and store, saving every five minutes). */
export function savesRows(s: SavesResult): BenchRow[] {
  return [
    { figure: 'state saves in the window', value: s.saves, unit: '' },
    { figure: 'fire lateness p99, with state saves', value: s.fire.p99, unit: 'ms', baseline: 'fire lateness p99, heap + store appends' },
    { figure: 'event loop held, longest, with state saves', value: s.loopHeldMs, unit: 'ms', baseline: 'event loop held, longest, heap + store appends' },
    { figure: 'execution committed, lateness p99, with state saves', value: s.committed.p99, unit: 'ms', baseline: 'execution committed, lateness p99' },
    { figure: 'execution committed, lateness max, with state saves', value: s.committed.max, unit: 'ms', baseline: 'execution committed, lateness max' },
  ];
}

export function savesSummary(s: SavesResult, withoutSaves: Percentiles, seconds: number): string {
  return (
    `state saves (${s.saves} in ${seconds} s): tick commit lateness p99 ${s.committed.p99.toFixed(0)} ms, ` +
    `max ${s.committed.max.toFixed(0)} ms, beside ${withoutSaves.p99.toFixed(0)} and ${withoutSaves.max.toFixed(0)} ms without; the loop held up to ${s.loopHeldMs.toFixed(0)} ms`
  );
}
