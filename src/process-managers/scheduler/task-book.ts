import type { TicksSkipped } from '../../events/scheduler-events';
import type { TaskEvent } from '../../events/task-events';
import type { TaskGroupEvent } from '../../events/task-group-events';
import type { Logger } from '../../logging/logger';
import { compileSchedule } from '../../schedules/compile-schedule';
import { GroupGate } from './group-gate';
import type { TaskGroupDoc } from '../../projections/task-group-read-model';
import { ScheduledTask, type ScheduledTaskState } from './scheduled-task';

/** The book as JSON (the scheduler's snapshot): tasks and groups in order, each group's tasks by id. */
export interface TaskBookSnapshot {
  tasks: ScheduledTaskState[];
  groups: Array<{ groupId: string; doc: TaskGroupDoc; activeSinceMs: number | null }>;
  groupTasks: Array<[string, string[]]>;
  projectIds: string[];
}

/**
 * Every task and group the scheduler knows, folded from the task, taskgroup and scheduler streams:
 * each task with its shared compiled schedule and its last tick accounted for, each group (group-gate.ts)
 * with the tasks it holds, and what these say of a task's ticks: whether it may be armed at all, and
 * from where ticks are owed to it. When its ticks come and fire is tick-timer.ts's.
 */
export class TaskBook {
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly groups = new Map<string, GroupGate>();
  /** Tasks by group id (whether or not the group exists), to re-key them when the group changes. */
  private readonly groupTasks = new Map<string, Set<ScheduledTask>>();
  private readonly projectIds = new Map<string, string>();

  constructor(private readonly logger: Logger) {}

  get size(): { tasks: number; groups: number } {
    return { tasks: this.tasks.size, groups: this.groups.size };
  }

  task(taskId: string): ScheduledTask | undefined {
    return this.tasks.get(taskId);
  }

  all(): IterableIterator<ScheduledTask> {
    return this.tasks.values();
  }

  /** The tasks of a group (whether or not the group exists). */
  membersOf(groupId: string): Iterable<ScheduledTask> {
    return this.groupTasks.get(groupId) ?? [];
  }

  snapshot(): TaskBookSnapshot {
    return {
      tasks: [...this.tasks.values()].map((task) => task.toState()),
      groups: [...this.groups.values()].map((gate) => ({
        groupId: gate.groupId,
        doc: gate.doc!,
        activeSinceMs: Number.isFinite(gate.activeSinceMs) ? gate.activeSinceMs : null,
      })),
      groupTasks: [...this.groupTasks].map(([groupId, members]) => [groupId, [...members].map((task) => task.taskId)]),
      projectIds: [...this.projectIds.keys()],
    };
  }

  restore(state: TaskBookSnapshot): void {
    for (const projectId of state.projectIds) this.intern(projectId);
    for (const saved of state.tasks) {
      const task = ScheduledTask.fromState(saved);
      task.projectId = this.intern(task.projectId);
      this.compile(task);
      this.tasks.set(task.taskId, task);
    }
    for (const { groupId, doc, activeSinceMs } of state.groups) this.groups.set(groupId, GroupGate.restored(groupId, doc, activeSinceMs ?? Number.NEGATIVE_INFINITY));
    for (const [groupId, taskIds] of state.groupTasks) this.groupTasks.set(groupId, new Set(taskIds.map((taskId) => this.tasks.get(taskId)!)));
  }

  /** Folds a task event; answers the task it concerns (a deleted one is forgotten), or undefined for an unknown task. */
  applyTask(event: TaskEvent, eventId: string): ScheduledTask | undefined {
    if (event.type === 'TaskCreated') {
      const { data } = event;
      const task = new ScheduledTask(data.taskId);
      task.projectId = this.intern(data.projectId);
      task.anchorMs = Date.parse(data.createdAt);
      task.sinceMs = task.anchorMs;
      task.status = data.status;
      task.define(data);
      task.causationId = eventId;
      this.compile(task);
      this.tasks.set(task.taskId, task);
      this.joinGroup(task);
      return task;
    }
    const task = this.tasks.get(event.data.taskId);
    if (!task) return undefined;
    task.causationId = eventId;
    switch (event.type) {
      case 'TaskUpdated': {
        const previousGroup = task.groupId;
        if (task.define(event.data)) {
          this.compile(task);
          task.sinceMs = Date.parse(event.data.updatedAt);
        }
        if (previousGroup !== task.groupId) {
          this.leaveGroup(task, previousGroup);
          this.joinGroup(task);
        }
        break;
      }
      case 'TaskStatusChanged':
        if (task.status !== 'ACTIVE' && event.data.status === 'ACTIVE') task.sinceMs = Date.parse(event.data.updatedAt);
        task.status = event.data.status;
        break;
      case 'TaskDeletionRequested':
        task.status = 'PENDING_DELETE';
        break;
      case 'TaskDeletionFailed':
        task.status = 'DELETE_FAILED';
        break;
      case 'TaskDeleted':
        this.leaveGroup(task, task.groupId);
        this.tasks.delete(task.taskId);
        break;
    }
    return task;
  }

  /** Folds a group event; false when it concerns no group known (nothing changed). */
  applyGroup(event: TaskGroupEvent): boolean {
    const { groupId } = event.data;
    let gate = this.groups.get(groupId);
    if (!gate) {
      if (event.type !== 'TaskGroupCreated') return false;
      gate = new GroupGate(groupId);
      this.groups.set(groupId, gate);
    }
    gate.apply(event);
    if (!gate.exists) this.groups.delete(groupId);
    return true;
  }

  /** Ticks recorded as skipped while offline: accounted for, and the expected revision of the task's next TicksSkipped. */
  applySkipped(data: TicksSkipped['data'], revision: number): void {
    const task = this.tasks.get(data.taskId);
    if (task) task.skippedRevision = Math.max(task.skippedRevision, revision);
    this.accountFor(data.taskId, Date.parse(data.to));
  }

  accountFor(taskId: string, tickMs: number): void {
    const task = this.tasks.get(taskId);
    if (!task) return;
    if (tickMs > task.lastTickMs) task.lastTickMs = tickMs;
    if (tickMs > task.accountedMs) task.accountedMs = tickMs;
  }

  /** The task's group, as far as firing goes: undefined for no group or a group that no longer exists. */
  gateOf(task: ScheduledTask): GroupGate | undefined {
    return task.groupId === null ? undefined : this.groups.get(task.groupId);
  }

  /** Whether the task belongs in the heap at all (its schedule may still be blocked at a given tick). */
  armable(task: ScheduledTask): boolean {
    if (task.status !== 'ACTIVE' || task.schedule === null) return false;
    const gate = this.gateOf(task);
    return gate === undefined || gate.active;
  }

  /** Where the ticks still owed to a task start: the first owed tick is the first one strictly after this. */
  cursorOf(task: ScheduledTask): number {
    const gate = this.gateOf(task);
    return Math.max(task.lastTickMs, task.sinceMs - 1, gate ? gate.activeSinceMs - 1 : Number.NEGATIVE_INFINITY);
  }

  private compile(task: ScheduledTask): void {
    try {
      task.schedule = compileSchedule(task.scheduleType, task.scheduleConfig!, new Date(task.anchorMs));
    } catch (err) {
      task.schedule = null;
      this.logger.warn({ err, taskId: task.taskId }, 'scheduler: the task schedule does not compile; the task will not fire');
    }
  }

  private joinGroup(task: ScheduledTask): void {
    if (task.groupId === null) return;
    let members = this.groupTasks.get(task.groupId);
    if (!members) this.groupTasks.set(task.groupId, (members = new Set()));
    members.add(task);
  }

  private leaveGroup(task: ScheduledTask, groupId: string | null): void {
    if (groupId === null) return;
    const members = this.groupTasks.get(groupId);
    members?.delete(task);
    if (members?.size === 0) this.groupTasks.delete(groupId);
  }

  /** Project ids repeat across tasks: keep one string per project. */
  private intern(projectId: string): string {
    let known = this.projectIds.get(projectId);
    if (known === undefined) this.projectIds.set(projectId, (known = projectId));
    return known;
  }
}
