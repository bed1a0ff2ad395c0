import type { CommandContext } from '../../commands/command-context';
import type { CreateExecution } from '../../commands/execution/execution-commands';
import type { ExecutionEvent } from '../../events/execution-events';
import { effectiveOverlap, type OverlapPolicy } from '../../events/overlap-policy';
import type { ProjectEvent } from '../../events/project-events';
import type { GroupGate } from './group-gate';
import { cancelReplaced, type OverlapActionDeps, releaseQueued } from './overlap-actions';
import { type OverlapGateSnapshot, type OverlapLimits, OverlapGate } from './overlap-gate';
import type { ScheduledTask } from './scheduled-task';
import { SCHEDULER_ACTOR } from './tick-command';

/** What the scheduler lends the overlap control: its tasks and groups, and its tracking of writes. */
export interface OverlapHost {
  taskOf(taskId: string): ScheduledTask | undefined;
  /** The task's group, when it has one that exists. */
  groupOf(task: ScheduledTask): GroupGate | undefined;
  membersOf(groupId: string): Iterable<ScheduledTask>;
  track(work: Promise<unknown>): void;
}

export interface OverlapStats {
  overlapSkipped: number;
  overlapQueued: number;
  replaced: number;
  released: number;
}

/**
 * The scheduler's overlap policies and `max_concurrent` (README, "Overlap and concurrency"): the open
 * runs (overlap-gate.ts), each project's default policy, the decision at fire time and the release of
 * waiting runs when a run ends (also after a restart, at goLive).
 */
export class OverlapControl {
  private readonly gate = new OverlapGate();
  /**
   * The same runs as the events alone leave them: `gate` also holds this process's decisions before their
   * events come back (or when they never do, after a crash), which a snapshot must not carry.
   */
  private readonly folded = new OverlapGate();
  /** Each project's default overlap policy (ProjectUpdated `overlapPolicy`); absent: `allow`. */
  private readonly projectPolicies = new Map<string, OverlapPolicy>();

  constructor(
    private readonly deps: OverlapActionDeps,
    private readonly host: OverlapHost,
    private readonly stats: OverlapStats,
  ) {}

  /** Folds an execution event; once live, a run's end releases what waited for it. */
  applyExecution(event: ExecutionEvent & { metadata: { eventId: string } }, live: boolean): void {
    this.folded.apply(event);
    const ended = this.gate.apply(event);
    if (ended !== null && live) this.releaseAfter(ended, event.data.executionId, event.metadata.eventId);
  }

  applyProject(event: ProjectEvent): void {
    if (event.type === 'ProjectDeleted') this.projectPolicies.delete(event.data.projectId);
    if (event.type !== 'ProjectUpdated' || event.data.changes.overlapPolicy === undefined) return;
    const policy = event.data.changes.overlapPolicy;
    if (policy === null) this.projectPolicies.delete(event.data.projectId);
    else this.projectPolicies.set(event.data.projectId, policy);
  }

  forgetTask(taskId: string): void {
    this.gate.forgetTask(taskId);
    this.folded.forgetTask(taskId);
  }

  snapshot(): { runs: OverlapGateSnapshot; projectPolicies: Array<[string, OverlapPolicy]> } {
    return { runs: this.folded.snapshot(), projectPolicies: [...this.projectPolicies] };
  }

  restore(state: ReturnType<OverlapControl['snapshot']>): void {
    this.gate.restore(state.runs);
    this.folded.restore(state.runs);
    for (const [projectId, policy] of state.projectPolicies) this.projectPolicies.set(projectId, policy);
  }

  /**
   * Decides a tick: sets the command's verdict (created SKIPPED or QUEUED in the tick's own append),
   * and cancels the runs a `replace` replaces.
   */
  atFire(task: ScheduledTask, command: CreateExecution, context: CommandContext): void {
    const decision = this.gate.decide(task.taskId, command.executionId, this.limitsOf(task));
    if (decision.kind === 'hold') {
      command.overlap = decision.verdict;
      if (decision.verdict.action === 'skip') this.stats.overlapSkipped++;
      else this.stats.overlapQueued++;
      return;
    }
    for (const replaced of decision.replaces) {
      this.stats.replaced++;
      this.host.track(cancelReplaced(this.deps, replaced, command.executionId, { ...context, correlationId: replaced }));
    }
  }

  /** A task's or group's definition changed (a policy or limit relaxed): its waiting runs may start now. */
  definitionChanged(taskId: string, causationId: string): void {
    this.releaseAfter(taskId, null, causationId);
  }

  /** A group's definition changed: each of its tasks' waiting runs may start now. */
  groupChanged(members: Iterable<ScheduledTask>, causationId: string): void {
    for (const member of members) this.releaseWaiting(member, null, causationId);
  }

  /** At goLive: runs that waited for one that ended while this instance was not leading. */
  releaseAllWaiting(): void {
    for (const taskId of [...this.gate.waitingTasks()]) {
      const task = this.host.taskOf(taskId);
      if (task) this.releaseWaiting(task, null, task.causationId);
    }
  }

  /** The policy and limits that apply to the task now (its own, else its group's, else its project's). */
  private limitsOf(task: ScheduledTask): OverlapLimits {
    const group = this.host.groupOf(task)?.doc;
    const groupMaxConcurrent = group?.maxConcurrent ?? null;
    let groupOpen = 0;
    if (groupMaxConcurrent !== null && task.groupId !== null) {
      for (const member of this.host.membersOf(task.groupId)) groupOpen += this.gate.openCount(member.taskId);
    }
    return {
      policy: effectiveOverlap(task.overlap, group?.overlap, this.projectPolicies.get(task.projectId)),
      taskMaxConcurrent: task.maxConcurrent,
      groupMaxConcurrent,
      groupOpen,
    };
  }

  /** A run of the task ended (`after`): its waiting runs may start, and with a group limit, those of every task of its group. */
  private releaseAfter(taskId: string, after: string | null, causationId: string): void {
    const task = this.host.taskOf(taskId);
    if (!task) return;
    this.releaseWaiting(task, after, causationId);
    if (task.groupId === null || this.host.groupOf(task)?.doc?.maxConcurrent === undefined) return;
    for (const member of this.host.membersOf(task.groupId)) if (member !== task) this.releaseWaiting(member, after, causationId);
  }

  private releaseWaiting(task: ScheduledTask, after: string | null, causationId: string): void {
    if (this.gate.queued(task.taskId).length === 0) return;
    for (const released of this.gate.releasable(task.taskId, () => this.limitsOf(task))) {
      this.stats.released++;
      const context: CommandContext = { actor: SCHEDULER_ACTOR, correlationId: released, causationId };
      this.host.track(releaseQueued(this.deps, released, after, context));
    }
  }
}
