/**
 * The scheduler bench's bursts of manual triggers (bench/scheduler.ts, phase T): every `burstEvery`
 * seconds, `burst` triggers at once through the trigger flow a `POST …/tasks/{id}/trigger` runs
 * (commands/flows/trigger-task.ts: the task's stream read, the overlap check on the read models, the
 * execution decided and appended to the same store the scheduler's ticks go to). No projections run in
 * the bench, so the read-your-writes wait answers at once; everything else is the request's own work.
 * Bursts start at a different fraction of a second each time (k × 0.37 s after a whole second), so
 * some land just before the second's ticks fire and some just after.
 */
import { join } from 'node:path';
import type { AppServices } from '../src/app-services';
import { newCommandContext } from '../src/commands/command-context';
import { triggerTask } from '../src/commands/flows/trigger-task';
import { HISTORY_PROJECTION } from '../src/projections/history-projection';
import { ProjectionRegistry } from '../src/projections/projection-registry';
import { PROJECTS_PROJECTION } from '../src/projections/projects-projection';
import { TASKS_PROJECTION } from '../src/projections/tasks-projection';
import type { EventStore } from '../src/stores/events/event-store';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';
import { systemClock } from '../src/time/clock';
import type { BenchRow } from './report';
import { Samples, sleep, type TaskRef } from './scheduler-workload';

type TriggerServices = Parameters<typeof triggerTask>[0];
type Percentiles = { p50: number; p99: number; max: number };

/** Ticks' commits, each as (tick instant, commit acknowledged), both epoch ms. */
export class CommitSamples {
  private ticks: number[] = [];
  private commits: number[] = [];
  on = false;

  add(tickMs: number, committedMs: number): void {
    if (!this.on) return;
    this.ticks.push(tickMs);
    this.commits.push(committedMs);
  }

  /** Lateness of every commit, and of those whose wait (tick to commit) overlapped one of the windows. */
  split(windows: Array<[number, number]>): { all: Samples; inBursts: Samples } {
    const all = new Samples();
    const inBursts = new Samples();
    all.on = inBursts.on = true;
    for (let i = 0; i < this.ticks.length; i++) {
      const tick = this.ticks[i];
      const commit = this.commits[i];
      all.add(commit - tick);
      if (windows.some(([from, to]) => tick <= to && commit >= from)) inBursts.add(commit - tick);
    }
    return { all, inBursts };
  }
}

export interface BurstSettings {
  burst: number;
  burstEvery: number;
}

/** Fires the bursts between start() and stop(); each burst's window runs from its first trigger to its last answer. */
export class TriggerBursts {
  readonly windows: Array<[number, number]> = [];
  readonly answered = new Samples();
  triggered = 0;
  failed = 0;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private next = 0;

  private constructor(
    private readonly services: TriggerServices,
    private readonly reads: SqliteReadStore,
    private readonly tasks: TaskRef[],
    private readonly settings: BurstSettings,
  ) {}

  static open(events: EventStore, dir: string, tasks: TaskRef[], settings: BurstSettings): TriggerBursts {
    const reads = SqliteReadStore.open({ file: join(dir, 'read-triggers.db') });
    const projections = { waitForPosition: async () => undefined, status: async () => [] } as unknown as AppServices['projections'];
    // Empty read models: no project or group sets an overlap policy, so every task's is `allow`.
    const registry = new ProjectionRegistry(reads);
    for (const name of [PROJECTS_PROJECTION, TASKS_PROJECTION, HISTORY_PROJECTION]) registry.set(name, { version: 1, generation: 1 });
    const services: TriggerServices = { events, clock: systemClock, reads, registry, projections };
    return new TriggerBursts(services, reads, tasks, settings);
  }

  start(): void {
    if (this.settings.burst === 0) return;
    this.running = true;
    this.answered.on = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.answered.on = false;
    await this.loop;
  }

  async close(): Promise<void> {
    await this.reads.close();
  }

  private async run(): Promise<void> {
    for (let k = 0; this.running; k++) {
      // The next start: `burstEvery` seconds on, at k × 0.37 s past a whole second.
      const now = Date.now();
      const at = Math.floor(now / 1000) * 1000 + this.settings.burstEvery * 1000 + ((k * 370) % 1000);
      await sleep(at - now);
      if (!this.running) return;
      await this.burst();
    }
  }

  private async burst(): Promise<void> {
    const started = Date.now();
    await Promise.all(
      Array.from({ length: this.settings.burst }, async () => {
        const task = this.tasks[this.next++ % this.tasks.length];
        const sent = performance.now();
        try {
          await triggerTask(this.services, newCommandContext('user:bench'), task.projectId, task.taskId);
          this.triggered++;
        } catch (err) {
          if (this.failed++ === 0) console.log(`  a manual trigger was refused: ${(err as Error).message}`);
        }
        this.answered.add(performance.now() - sent);
      }),
    );
    this.windows.push([started, Date.now()]);
  }
}

/** Phase T's figures; `result` is the scheduler's own over the window (bench/scheduler.ts). */
export interface BurstResult {
  result: { fire: Percentiles; loopHeldMs: number; created: number; memoryAfterWindow: { rss: number; heap: number } };
  committed: Percentiles;
  inBursts: Percentiles;
  answered: Percentiles;
  bursts: number;
  triggered: number;
  failed: number;
}

/** Phase T's rows, each beside phase A's figure (the same scheduler and store without bursts). */
export function burstRows(t: BurstResult, tasks: number): BenchRow[] {
  return [
    { figure: 'fire lateness p99, with trigger bursts', value: t.result.fire.p99, unit: 'ms', baseline: 'fire lateness p99, heap + store appends' },
    { figure: 'event loop held, longest, with trigger bursts', value: t.result.loopHeldMs, unit: 'ms', baseline: 'event loop held, longest, heap + store appends' },
    { figure: 'execution committed, lateness p50, with trigger bursts', value: t.committed.p50, unit: 'ms', baseline: 'execution committed, lateness p50' },
    { figure: 'execution committed, lateness p99, with trigger bursts', value: t.committed.p99, unit: 'ms', baseline: 'execution committed, lateness p99' },
    { figure: 'execution committed, lateness max, with trigger bursts', value: t.committed.max, unit: 'ms', baseline: 'execution committed, lateness max' },
    { figure: 'execution committed, lateness p50, in burst windows', value: t.inBursts.p50, unit: 'ms', baseline: 'execution committed, lateness p50' },
    { figure: 'execution committed, lateness p99, in burst windows', value: t.inBursts.p99, unit: 'ms', baseline: 'execution committed, lateness p99' },
    { figure: 'execution committed, lateness max, in burst windows', value: t.inBursts.max, unit: 'ms', baseline: 'execution committed, lateness max' },
    { figure: 'manual trigger answered, p50', value: t.answered.p50, unit: 'ms' },
    { figure: 'manual trigger answered, p99', value: t.answered.p99, unit: 'ms' },
    { figure: 'RSS growth per task, with trigger bursts, after the window', value: t.result.memoryAfterWindow.rss / tasks, unit: 'bytes', baseline: 'RSS growth per scheduled task, after the window' },
    { figure: 'heap growth per task, with trigger bursts, after the window', value: t.result.memoryAfterWindow.heap / tasks, unit: 'bytes', baseline: 'heap growth per scheduled task' },
  ];
}

