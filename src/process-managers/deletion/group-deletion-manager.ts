import type { AppServices } from '../../app-services';
import { newCommandContext } from '../../commands/command-context';
import { settleGroupTasks } from '../../commands/flows/delete-task-group';
import { STREAM_CATEGORIES, streamPrefix } from '../../events/streams';
import type { TaskEvent } from '../../events/task-events';
import type { TaskGroupDeleted, TaskGroupDeletionMode } from '../../events/task-group-events';
import type { RecordedEvent, StreamFilter } from '../../stores/events/event-store';
import type { ProcessManager, StateSnapshots } from '../process-manager';

export const GROUP_DELETION_MANAGER = 'group-deletion';
const ACTOR = `system:${GROUP_DELETION_MANAGER}`;
const RETRY_MS = 5_000;

interface DeletedGroup {
  projectId: string;
  mode: TaskGroupDeletionMode;
  /** Who deleted the group: the deletions it requests are on their behalf. */
  by: string;
  correlationId: string;
  eventId: string;
}

/**
 * Makes sure no task is left pointing at a deleted group (COMPAT.md lists the original's failure to).
 * The DELETE request already detaches (or deletes, `tasks=delete`) the group's tasks; this manager
 * finishes the job when that request was interrupted (at goLive, for every deleted group that still
 * has tasks in the tasks read model) and repairs the race of a task created or moved into the group
 * while it was being deleted (TaskCreated/TaskUpdated naming a deleted group → same treatment).
 */
export class GroupDeletionManager implements ProcessManager {
  readonly name = GROUP_DELETION_MANAGER;
  readonly filter: StreamFilter = { streamPrefixes: [streamPrefix(STREAM_CATEGORIES.taskGroup), streamPrefix(STREAM_CATEGORIES.task)] };

  private readonly deleted = new Map<string, DeletedGroup>();
  private readonly queued = new Set<string>();
  private draining: Promise<void> | null = null;
  private readonly timers = new Set<() => void>();
  private live = false;
  private stopped = false;
  readonly snapshots: StateSnapshots = {
    version: 1,
    take: () => [...this.deleted],
    restore: (state) => {
      for (const [groupId, group] of state as Array<[string, DeletedGroup]>) this.deleted.set(groupId, group);
    },
  };

  constructor(private readonly services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'reads' | 'registry' | 'logger'>) {}

  apply(event: RecordedEvent, replaying: boolean): void {
    if (event.type === 'TaskGroupDeleted') {
      const { groupId, projectId, mode } = (event as RecordedEvent & TaskGroupDeleted).data;
      this.deleted.set(groupId, { projectId, mode, by: event.metadata.actor, correlationId: event.metadata.correlationId, eventId: event.metadata.eventId });
      if (!replaying && this.live) this.settle(groupId);
      return;
    }
    if (event.type === 'TaskCreated' || event.type === 'TaskUpdated') {
      const groupId = (event as RecordedEvent & TaskEvent & { type: 'TaskCreated' | 'TaskUpdated' }).data.taskGroupId;
      if (groupId !== null && this.deleted.has(groupId) && !replaying && this.live) this.settle(groupId);
    }
  }

  /** Every deleted group is checked once per start; only those still holding tasks cost more than one query. */
  goLive(): void {
    this.live = true;
    for (const groupId of this.deleted.keys()) this.settle(groupId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.timers) cancel();
    await this.draining;
  }

  /** Groups are settled one at a time (a start may find many deleted groups to check). */
  private settle(groupId: string): void {
    if (this.stopped) return;
    this.queued.add(groupId);
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.queued.size > 0 && !this.stopped) this.settle(this.queued.values().next().value as string);
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.queued.size > 0) {
      const groupId = this.queued.values().next().value as string;
      this.queued.delete(groupId);
      const group = this.deleted.get(groupId)!;
      try {
        const context = newCommandContext(ACTOR, group.eventId, group.correlationId);
        // The read model must include the event that brought us here (and every task that joined before).
        await this.services.projections.waitForPosition(await this.services.events.headPosition());
        // Deletions requested here are on behalf of whoever deleted the group.
        await settleGroupTasks(this.services, context, group.projectId, groupId, group.mode, group.by);
      } catch (err) {
        if (this.stopped) return;
        this.services.logger.warn({ err, groupId }, 'could not settle the tasks of a deleted group; retrying');
        const at = new Date(this.services.clock.now().getTime() + RETRY_MS);
        const cancel = this.services.clock.setTimer(at, () => {
          this.timers.delete(cancel);
          this.settle(groupId);
        });
        this.timers.add(cancel);
      }
    }
  }
}
