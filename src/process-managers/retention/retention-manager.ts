import type { AppServices } from '../../app-services';
import { newCommandContext } from '../../commands/command-context';
import { toNewEvent } from '../../commands/handle-command';
import type { ExecutionsPurged } from '../../events/deletion-events';
import { PROJECT_EVENT_TYPES, type ProjectEvent } from '../../events/project-events';
import { isEventOf } from '../../events/event';
import { type RetentionApplied, retentionStream } from '../../events/retention-events';
import { STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import type { ExecutionDoc } from '../../projections/execution-read-model';
import { EXECUTIONS, HISTORY_PROJECTION } from '../../projections/history-projection';
import type { RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import { PURGE_CHUNK, tombstoneExecutionStreams } from '../deletion/deletion-steps';
import type { ProcessManager, StateSnapshots } from '../process-manager';

export const RETENTION_MANAGER = 'retention';
const ACTOR = `system:${RETENTION_MANAGER}`;
const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** How often every project is swept (default hourly). */
  intervalMs?: number;
  /** Longest wait for the projections to apply a purge chunk. */
  ackTimeoutMs?: number;
}

export interface RetentionRun {
  projectId: string;
  cutoff: string;
  executionsRemoved: number;
}

/**
 * Retention (issue 4): a project with `retentionDays` set keeps its executions and their logs for that
 * many days. The manager knows each project's setting from ProjectCreated/ProjectUpdated/ProjectDeleted
 * (rebuilt by replay). It sweeps every project at goLive, every `intervalMs` of the clock (hourly),
 * and a project at once when its setting changes.
 *
 * A sweep takes "now" from the clock (retention is an action, not a read model: the events it writes
 * carry the cutoff, so a rebuild of the read models replays the same removal). It lists executions
 * created before the cutoff from the history read model, a chunk at a time, tombstones their
 * execution and log streams, then records ExecutionsPurged (the ids) on `retention-<projectId>`,
 * which the projections apply, and waits for them. Tombstones come first: a crash in between leaves
 * the executions listed again at the next sweep (tombstoning twice is harmless); the other order
 * could leave streams nobody would find again. A sweep that removed something ends with
 * RetentionApplied {cutoff, counts}; a sweep that found nothing records nothing (no hourly noise).
 */
export class RetentionManager implements ProcessManager {
  readonly name = RETENTION_MANAGER;
  readonly filter: StreamFilter = { streamPrefixes: [streamPrefix(STREAM_CATEGORIES.project)] };

  private readonly retentionDays = new Map<string, number>();
  private readonly pending = new Set<string>();
  private sweeping: Promise<void> | null = null;
  private cancelTimer: (() => void) | null = null;
  private live = false;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly ackTimeoutMs: number;
  /** Completed runs, newest last (for tests and logs). */
  readonly runs: RetentionRun[] = [];
  readonly snapshots: StateSnapshots = {
    version: 1,
    take: () => [...this.retentionDays],
    restore: (state) => {
      for (const [projectId, days] of state as Array<[string, number]>) this.retentionDays.set(projectId, days);
    },
  };

  constructor(
    private readonly services: Pick<AppServices, 'events' | 'reads' | 'registry' | 'projections' | 'clock' | 'logger'>,
    options: RetentionOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 3_600_000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
  }

  apply(event: RecordedEvent, replaying: boolean): void {
    if (!isEventOf<ProjectEvent>(PROJECT_EVENT_TYPES, event)) return;
    const { projectId } = event.data;
    switch (event.type) {
      case 'ProjectCreated':
        this.retentionDays.delete(projectId);
        return;
      case 'ProjectUpdated': {
        const days = event.data.changes.retentionDays;
        if (days === undefined) return;
        if (days === null) this.retentionDays.delete(projectId);
        else this.retentionDays.set(projectId, days);
        if (days !== null && !replaying && this.live) this.request([projectId]);
        return;
      }
      case 'ProjectDeleted':
        this.retentionDays.delete(projectId);
        return;
      default:
        return;
    }
  }

  goLive(): void {
    this.live = true;
    this.request([...this.retentionDays.keys()]);
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.pending.clear();
    await this.sweeping;
  }

  /** For tests: resolves when no sweep is running or queued. */
  async idle(): Promise<void> {
    while (this.sweeping) await this.sweeping;
  }

  private arm(): void {
    if (this.stopped) return;
    const at = new Date(this.services.clock.now().getTime() + this.intervalMs);
    this.cancelTimer = this.services.clock.setTimer(at, () => {
      this.cancelTimer = null;
      this.request([...this.retentionDays.keys()]);
      this.arm();
    });
  }

  private request(projectIds: string[]): void {
    if (this.stopped) return;
    for (const id of projectIds) this.pending.add(id);
    if (this.sweeping || this.pending.size === 0) return;
    this.sweeping = this.drain().finally(() => {
      this.sweeping = null;
      if (this.pending.size > 0) this.request([]);
    });
  }

  /** One project at a time, so a large purge never competes with itself for the store. */
  private async drain(): Promise<void> {
    while (!this.stopped && this.pending.size > 0) {
      const projectId = this.pending.values().next().value as string;
      this.pending.delete(projectId);
      const days = this.retentionDays.get(projectId);
      if (days === undefined) continue;
      try {
        await this.sweep(projectId, days);
      } catch (err) {
        if (this.stopped) return;
        // The next hourly sweep tries again.
        this.services.logger.error({ err, projectId }, 'retention sweep failed');
      }
    }
  }

  private async sweep(projectId: string, retentionDays: number): Promise<void> {
    const { events, reads, registry, projections, clock } = this.services;
    const started = clock.now();
    const cutoff = new Date(started.getTime() - retentionDays * DAY_MS).toISOString();
    const context = newCommandContext(ACTOR);
    const stream = retentionStream(projectId);
    const seen = new Set<string>();
    let removed = 0;
    let streams = 0;
    // The executions to purge are listed from the history read model: it must hold every purge stored
    // so far, or a read model still catching up (a fresh read.db at start) would list executions purged
    // long ago and have them purged a second time.
    await projections.waitForPosition(await events.headPosition(), this.ackTimeoutMs);
    while (!this.stopped) {
      const { items } = await reads.find<ExecutionDoc>(registry.collection(HISTORY_PROJECTION, EXECUTIONS), {
        filter: { projectId, createdAt: { $lt: cutoff } },
        sort: [['createdAt', 1]],
        limit: PURGE_CHUNK,
      });
      if (items.length === 0) break;
      if (items.some((item) => seen.has(item.id))) throw new Error('The history read model still holds executions it was told to purge');
      streams += await tombstoneExecutionStreams(events, items.map((item) => item.id));
      const chunk: ExecutionsPurged = {
        type: 'ExecutionsPurged',
        data: {
          projectId,
          taskId: null,
          executionIds: items.map((item) => item.id),
          taskIds: [...new Set(items.map((item) => item.taskId))],
          reason: 'retention',
          at: clock.now().toISOString(),
        },
      };
      const { position } = await events.append(stream, [toNewEvent(chunk, context, clock)], 'any');
      await projections.waitForPosition(position, this.ackTimeoutMs);
      for (const item of items) seen.add(item.id);
      removed += items.length;
    }
    if (removed === 0) return;
    const summary: RetentionApplied = {
      type: 'RetentionApplied',
      data: { projectId, retentionDays, cutoff, executionsRemoved: removed, streamsTombstoned: streams, startedAt: started.toISOString(), at: clock.now().toISOString() },
    };
    await events.append(stream, [toNewEvent(summary, context, clock)], 'any');
    this.runs.push({ projectId, cutoff, executionsRemoved: removed });
    this.services.logger.info({ projectId, cutoff, executionsRemoved: removed }, 'retention: old executions removed');
  }
}
