import { randomUUID } from 'node:crypto';
import { newCommandContext } from '../../src/commands/command-context';
import { handleCommand } from '../../src/commands/handle-command';
import type { TaskGroupDefinitionInput } from '../../src/commands/task-group/task-group-commands';
import { taskGroupDecider } from '../../src/commands/task-group/task-group-decider';
import type { TaskDefinitionInput } from '../../src/commands/task/task-commands';
import { taskDecider } from '../../src/commands/task/task-decider';
import type { ExecutionCreated, ExecutionMissed } from '../../src/events/execution-events';
import type { TicksSkipped } from '../../src/events/scheduler-events';
import { taskGroupStream, taskStream } from '../../src/events/streams';
import { ProcessManagerRunner } from '../../src/process-managers/process-manager-runner';
import { Scheduler, type SchedulerOptions } from '../../src/process-managers/scheduler';
import type { RecordedEvent, EventStore } from '../../src/stores/events/event-store';
import type { ReadStore } from '../../src/stores/read/read-store';
import { ManualClock } from '../support/manual-clock';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { openTestEventStore, openTestReadStore } from '../support/test-stores';

export interface RecordedExecution {
  id: string;
  created: ExecutionCreated['data'];
  missed: ExecutionMissed['data'] | null;
  metadata: RecordedEvent['metadata'];
}

/** One scheduler over its own runner and read store (its checkpoint), sharing the harness's event store file. */
export interface SchedulerInstance {
  scheduler: Scheduler;
  runner: ProcessManagerRunner;
  events: EventStore;
  reads: ReadStore;
  stop(): Promise<void>;
}

/**
 * Real stores in a temp dir (embedded, or the servers: test-stores.ts), a ManualClock, and schedulers run by the real process-manager
 * runner. Tasks and groups are written through their deciders, as the API would.
 */
export class SchedulerHarness {
  readonly projectId = randomUUID();
  readonly instances: SchedulerInstance[] = [];
  private readonly temp = makeTempDir('cron-observer-scheduler-');
  readonly events: EventStore;
  readonly clock: ManualClock;

  constructor(start: string) {
    this.clock = new ManualClock(start);
    this.events = openTestEventStore(this.temp.dir, { synchronous: 'NORMAL' });
  }

  /** Starts a scheduler instance (`name` picks its read store, i.e. its checkpoint: a restart reuses it). */
  async startScheduler(name = 'a', options: SchedulerOptions = {}, ownConnection = false): Promise<SchedulerInstance> {
    const events = ownConnection ? openTestEventStore(this.temp.dir, { synchronous: 'NORMAL' }) : this.events;
    const reads = await openTestReadStore(this.temp.dir, `read-${name}.db`);
    const scheduler = new Scheduler({ events, clock: this.clock, logger: silentLogger }, options);
    const runner = new ProcessManagerRunner([scheduler], events, reads, silentLogger);
    await runner.start();
    let stopped = false;
    const instance: SchedulerInstance = {
      scheduler,
      runner,
      events,
      reads,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await runner.stop();
        await reads.close();
        if (ownConnection) await events.close();
        this.instances.splice(this.instances.indexOf(instance), 1);
      },
    };
    this.instances.push(instance);
    await this.sync();
    return instance;
  }

  /** Every running scheduler has seen every stored event and finished what it started. */
  async sync(): Promise<void> {
    for (;;) {
      for (const { scheduler } of this.instances) await scheduler.settled();
      const head = await this.events.headPosition();
      for (const { runner, scheduler } of this.instances) {
        await runner.waitForPosition(head);
        await scheduler.settled();
      }
      if ((await this.events.headPosition()) === head) return;
    }
  }

  /** Moves the clock, firing the schedulers' timers, and waits until their writes are done and seen. */
  async advanceTo(instant: string): Promise<void> {
    await this.sync();
    await this.clock.advanceTo(new Date(instant));
    await this.sync();
  }

  private context() {
    return newCommandContext('user:test');
  }

  async createTask(fields: Partial<TaskDefinitionInput> & { status?: string } = {}): Promise<string> {
    const taskId = randomUUID();
    const { status, ...definition } = fields;
    await handleCommand(
      this.events,
      this.clock,
      taskStream(taskId),
      taskDecider,
      {
        type: 'CreateTask',
        taskId,
        projectId: this.projectId,
        definition: {
          name: `task-${taskId.slice(0, 8)}`,
          scheduleType: 'RECURRING',
          scheduleConfig: { cron_expression: '*/10 * * * *', timezone: 'UTC' },
          executionMode: 'pull',
          ...definition,
        },
        status,
        at: this.clock.now().toISOString(),
      },
      this.context(),
    );
    await this.sync();
    return taskId;
  }

  async updateTask(taskId: string, definition: TaskDefinitionInput): Promise<void> {
    await handleCommand(this.events, this.clock, taskStream(taskId), taskDecider, { type: 'UpdateTask', projectId: this.projectId, definition, at: this.now() }, this.context());
    await this.sync();
  }

  async setTaskStatus(taskId: string, status: 'ACTIVE' | 'DISABLED'): Promise<void> {
    await handleCommand(this.events, this.clock, taskStream(taskId), taskDecider, { type: 'ChangeTaskStatus', projectId: this.projectId, status, at: this.now() }, this.context());
    await this.sync();
  }

  async requestDeletion(taskId: string): Promise<void> {
    await handleCommand(
      this.events,
      this.clock,
      taskStream(taskId),
      taskDecider,
      { type: 'RequestTaskDeletion', projectId: this.projectId, requestedBy: 'user:test', at: this.now() },
      this.context(),
    );
    await this.sync();
  }

  async createGroup(definition: TaskGroupDefinitionInput): Promise<string> {
    const groupId = randomUUID();
    await handleCommand(
      this.events,
      this.clock,
      taskGroupStream(groupId),
      taskGroupDecider,
      { type: 'CreateTaskGroup', groupId, projectId: this.projectId, definition, at: this.now() },
      this.context(),
    );
    await this.sync();
    return groupId;
  }

  async updateGroup(groupId: string, definition: TaskGroupDefinitionInput): Promise<void> {
    await handleCommand(this.events, this.clock, taskGroupStream(groupId), taskGroupDecider, { type: 'UpdateTaskGroup', projectId: this.projectId, definition, at: this.now() }, this.context());
    await this.sync();
  }

  async startGroup(groupId: string): Promise<void> {
    await handleCommand(this.events, this.clock, taskGroupStream(groupId), taskGroupDecider, { type: 'StartTaskGroup', projectId: this.projectId, at: this.now() }, this.context());
    await this.sync();
  }

  async stopGroup(groupId: string): Promise<void> {
    await handleCommand(this.events, this.clock, taskGroupStream(groupId), taskGroupDecider, { type: 'StopTaskGroup', projectId: this.projectId, at: this.now() }, this.context());
    await this.sync();
  }

  /** Every execution in the store (optionally of one task), in creation order. */
  async executions(taskId?: string): Promise<RecordedExecution[]> {
    const byStream = new Map<string, RecordedExecution>();
    for (const event of await this.events.readAll({ filter: { streamPrefixes: ['execution-'] } })) {
      if (event.type === 'ExecutionCreated') {
        const created = event.data as ExecutionCreated['data'];
        byStream.set(event.streamId, { id: created.executionId, created, missed: null, metadata: event.metadata });
      } else if (event.type === 'ExecutionMissed') {
        const execution = byStream.get(event.streamId);
        if (execution) execution.missed = event.data as ExecutionMissed['data'];
      }
    }
    return [...byStream.values()].filter((e) => taskId === undefined || e.created.taskId === taskId);
  }

  /** The scheduled instants (ISO) of a task's executions of one trigger type, in order. */
  async ticks(taskId: string, trigger: 'SCHEDULED' | 'CATCH_UP' = 'SCHEDULED'): Promise<string[]> {
    return (await this.executions(taskId)).filter((e) => e.created.triggerType === trigger).map((e) => e.created.scheduledAt).sort();
  }

  async ticksSkipped(taskId?: string): Promise<Array<TicksSkipped['data']>> {
    const events = await this.events.readAll({ filter: { streamPrefixes: ['scheduler-'] } });
    return events
      .filter((e) => e.type === 'TicksSkipped')
      .map((e) => e.data as TicksSkipped['data'])
      .filter((d) => taskId === undefined || d.taskId === taskId);
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  async close(): Promise<void> {
    for (const instance of [...this.instances]) await instance.stop();
    await this.events.close();
    this.temp.cleanup();
  }
}

/** Instants from `start` every `stepMinutes` while ≤ `end`, as ISO strings (expected ticks). */
export function everyMinutes(start: string, end: string, stepMinutes: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(start); t <= Date.parse(end); t += stepMinutes * 60_000) out.push(new Date(t).toISOString());
  return out;
}
