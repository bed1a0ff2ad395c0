import { isEventOf } from '../../events/event';
import { EXECUTION_EVENT_TYPES, type ExecutionEvent } from '../../events/execution-events';
import { STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import type { Logger } from '../../logging/logger';
import type { EventStore, Position, Subscription } from '../../stores/events/event-store';
import type { Clock } from '../../time/clock';

/** A pull-mode execution that became claimable, as the subscription saw it. */
export interface NewPullExecution {
  executionId: string;
  taskId: string;
  taskName: string;
  scheduledAt: string;
  attempt: number;
  /** The project's signal count after this execution. */
  version: number;
}

/** A pull run seen created, not signalled yet. */
interface Held {
  projectId: string;
  execution: Omit<NewPullExecution, 'version'>;
}

/** How many recent executions each project remembers, for waiters that were busy when they arrived. */
const RECENT_PER_PROJECT = 256;

class ProjectSignals {
  version = 0;
  readonly recent: NewPullExecution[] = [];
  readonly waiters = new Set<() => void>();

  signal(execution: Omit<NewPullExecution, 'version'>): void {
    this.version++;
    this.recent.push({ ...execution, version: this.version });
    if (this.recent.length > RECENT_PER_PROJECT) this.recent.shift();
    for (const wake of [...this.waiters]) wake();
  }

  /** Something became claimable that the read model will show (a released run): a new version, no entry. */
  wake(): void {
    this.version++;
    for (const wake of [...this.waiters]) wake();
  }
}

/**
 * In-process notification of new pull-mode executions, so claim long-polls wake at once instead of
 * polling: one subscription to `execution-` events per event store (started at the first long-poll,
 * from the head; it ends when the store closes), signalling per project. Works on every instance (a
 * follower's store sees other processes' commits by polling), not only where the process managers run.
 */
export class ClaimWakeups {
  private static readonly byStore = new WeakMap<EventStore, ClaimWakeups>();
  private readonly projects = new Map<string, ProjectSignals>();
  private starting: Promise<void> | null = null;
  private subscription: Subscription | null = null;
  /** The last position the subscription has handled (null before it started or when the store was empty). */
  position: Position | null = null;

  private constructor(
    private readonly events: EventStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  static of(services: { events: EventStore; clock: Clock; logger: Logger }): ClaimWakeups {
    let wakeups = ClaimWakeups.byStore.get(services.events);
    if (!wakeups) {
      wakeups = new ClaimWakeups(services.events, services.clock, services.logger);
      ClaimWakeups.byStore.set(services.events, wakeups);
    }
    return wakeups;
  }

  /** Subscribes (once) from the current head; resolves when the subscription is in place. */
  ensureStarted(): Promise<void> {
    this.starting ??= (async () => {
      const head = await this.events.headPosition();
      this.position = head;
      const subscription = this.events.subscribeToAll({ after: head, filter: { streamPrefixes: [streamPrefix(STREAM_CATEGORIES.execution)] } });
      this.subscription = subscription;
      void this.follow(subscription);
    })().catch((err) => {
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  /** How many claim long-polls of the project are waiting now (for /metrics and tests). */
  waiting(projectId: string): number {
    return this.signalsOf(projectId).waiters.size;
  }

  /** The project's signal count now: pass it to `wait` and `since`. */
  version(projectId: string): number {
    return this.projects.get(projectId)?.version ?? 0;
  }

  /** Executions signalled after `version` (at most the last few hundred). */
  since(projectId: string, version: number): NewPullExecution[] {
    return (this.projects.get(projectId)?.recent ?? []).filter((entry) => entry.version > version);
  }

  /**
   * Resolves when the project has a signal after `version`, at `until` (injected clock), or when the
   * subscription ends, whichever comes first. (Without a subscription only `until` ends the wait:
   * callers call `ensureStarted` before each wait.)
   */
  wait(projectId: string, version: number, until: Date): Promise<void> {
    const signals = this.signalsOf(projectId);
    if (signals.version > version) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let cancelTimer: (() => void) | null = null;
      const done = () => {
        cancelTimer?.();
        signals.waiters.delete(done);
        resolve();
      };
      signals.waiters.add(done);
      cancelTimer = this.clock.setTimer(until, done);
    });
  }

  private signalsOf(projectId: string): ProjectSignals {
    let signals = this.projects.get(projectId);
    if (!signals) {
      signals = new ProjectSignals();
      this.projects.set(projectId, signals);
    }
    return signals;
  }

  private async follow(subscription: Subscription): Promise<void> {
    try {
      for await (const batch of subscription) {
        // A run created QUEUED or SKIPPED (overlap policy, in the same append) is not claimable: signalled
        // at the end of the batch only if still PENDING. A release wakes the project's waiters, which
        // then find the released run in the read model (it includes what this subscription has seen).
        const created = new Map<string, Held>();
        for (const event of batch) {
          if (!isEventOf<ExecutionEvent>(EXECUTION_EVENT_TYPES, event)) continue;
          const { executionId } = event.data;
          if (event.type === 'ExecutionCreated') {
            const { executionMode, triggerType, projectId, taskId, taskName, scheduledAt, attempt } = event.data;
            if (executionMode === 'pull' && triggerType !== 'EXTERNAL') created.set(executionId, { projectId, execution: { executionId, taskId, taskName, scheduledAt, attempt } });
          } else if (event.type === 'ExecutionQueued' || event.type === 'ExecutionSkipped') {
            created.delete(executionId);
          } else if (event.type === 'ExecutionReleased') {
            this.signalsOf(event.data.projectId).wake();
          }
        }
        for (const { projectId, execution } of created.values()) this.signalsOf(projectId).signal(execution);
        const last = batch.at(-1);
        if (last) this.position = last.position;
      }
    } catch (err) {
      this.logger.warn({ err }, 'claim wake-up subscription ended');
    } finally {
      // The store closed (or failed): wake every waiter; the next long-poll subscribes again.
      this.subscription = null;
      this.starting = null;
      for (const signals of this.projects.values()) for (const wake of [...signals.waiters]) wake();
    }
  }
}
