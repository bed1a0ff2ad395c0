import type { ProcessManager } from '../src/process-managers/process-manager';
import type { BenchRow } from './report';

export interface SnapshotCost {
  /** Taking the state and writing it as JSON (what blocks the thread at each save). */
  takeMs: number;
  /** The JSON text's length. */
  chars: number;
  /** Parsing it and restoring it into a fresh manager (what a start costs instead of a replay). */
  restoreMs: number;
}

/** Times a save and a restore of the manager's snapshot (process-manager.ts, StateSnapshots), the best of three. */
export function snapshotCost(manager: ProcessManager, fresh: () => ProcessManager): SnapshotCost {
  let best: SnapshotCost | null = null;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const text = JSON.stringify(manager.snapshots!.take());
    const taken = performance.now();
    fresh().snapshots!.restore(JSON.parse(text));
    const cost = { takeMs: taken - started, chars: text.length, restoreMs: performance.now() - taken };
    if (!best || cost.takeMs + cost.restoreMs < best.takeMs + best.restoreMs) best = cost;
  }
  return best!;
}

/** The rows of the scheduler's table, beside the replay of the same tasks in the same run. */
export function snapshotRows(cost: SnapshotCost, tasks: number, replayFigure: string): BenchRow[] {
  return [
    { figure: 'snapshot: take and write as JSON', value: cost.takeMs, unit: 'ms', baseline: replayFigure },
    { figure: 'snapshot: parse and restore', value: cost.restoreMs, unit: 'ms', baseline: replayFigure },
    { figure: 'snapshot size per task', value: cost.chars / tasks, unit: 'chars' },
  ];
}
