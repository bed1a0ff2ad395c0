import { newCommandContext } from '../../src/commands/command-context';
import { handleCommand, toNewEvent } from '../../src/commands/handle-command';
import { type ScheduleRuleCommand, scheduleRulesDecider } from '../../src/commands/schedule-rules/schedule-rules-decider';
import type { ProjectCreated } from '../../src/events/project-events';
import { projectStream } from '../../src/events/streams';
import type { EventStore } from '../../src/stores/events/event-store';
import type { Clock } from '../../src/time/clock';

type Rule = ScheduleRuleCommand extends infer C ? (C extends { at: string } ? Omit<C, 'at'> : never) : never;

/** Writes calendars and maintenance windows through their decider, as the API does (creating the project stream first). */
export class RuleWriter {
  private created = false;

  constructor(
    private readonly events: EventStore,
    private readonly clock: Clock,
    private readonly projectId: string,
  ) {}

  async write(command: Rule): Promise<void> {
    const context = newCommandContext('user:test');
    if (!this.created) {
      const created: ProjectCreated = {
        type: 'ProjectCreated',
        data: { projectId: this.projectId, name: 'Rules', description: null, executionEndpoint: null, timezone: 'UTC', createdBy: 'u1', createdAt: this.clock.now().toISOString() },
      };
      await this.events.append(projectStream(this.projectId), [toNewEvent(created, context, this.clock)], 'no_stream');
      this.created = true;
    }
    await handleCommand(this.events, this.clock, projectStream(this.projectId), scheduleRulesDecider, { ...command, at: this.clock.now().toISOString() } as ScheduleRuleCommand, context);
  }
}
