import { taskGroupDecider } from '../../src/commands/task-group/task-group-decider';
import { ConflictError, GoneError, NotFoundError, ValidationError } from '../../src/errors/app-error';
import type { TaskGroupCreated, TaskGroupEvent } from '../../src/events/task-group-events';
import { given } from '../support/given-when-then';

const groupId = 'g1';
const projectId = 'p1';
const at = '2025-03-01T10:00:00.000Z';
const later = '2025-03-02T10:00:00.000Z';

const definition = {
  name: 'Office hours',
  description: 'Weekday jobs',
  status: 'ACTIVE' as const,
  startTime: '09:00',
  endTime: '17:30',
  timezone: 'Europe/Paris',
};
const created: TaskGroupCreated = { type: 'TaskGroupCreated', data: { groupId, projectId, ...definition, createdAt: at } };
const disabled: TaskGroupEvent = {
  type: 'TaskGroupUpdated',
  data: { groupId, projectId, ...definition, status: 'DISABLED', updatedAt: at },
};
const deleted: TaskGroupEvent = { type: 'TaskGroupDeleted', data: { groupId, projectId, mode: 'detach', deletedAt: later } };

describe('CreateTaskGroup', () => {
  test('creates a group with its window', () => {
    given(taskGroupDecider).when({ type: 'CreateTaskGroup', groupId, projectId, definition, at }).then([created]);
  });

  test('defaults: ACTIVE, no window, UTC', () => {
    given(taskGroupDecider)
      .when({ type: 'CreateTaskGroup', groupId, projectId, definition: { name: 'Any time' }, at })
      .then([
        {
          type: 'TaskGroupCreated',
          data: { groupId, projectId, name: 'Any time', description: null, status: 'ACTIVE', startTime: null, endTime: null, timezone: 'UTC', createdAt: at },
        },
      ]);
  });

  test('an end equal to the start is the whole day, as in a task time_range', () => {
    given(taskGroupDecider)
      .when({ type: 'CreateTaskGroup', groupId, projectId, definition: { ...definition, startTime: '00:00', endTime: '00:00' }, at })
      .then([{ type: 'TaskGroupCreated', data: { ...created.data, startTime: '00:00', endTime: '00:00' } }]);
  });

  test('a window over midnight is allowed', () => {
    given(taskGroupDecider)
      .when({ type: 'CreateTaskGroup', groupId, projectId, definition: { ...definition, startTime: '22:00', endTime: '06:00' }, at })
      .then([{ type: 'TaskGroupCreated', data: { ...created.data, startTime: '22:00', endTime: '06:00' } }]);
  });

  test('an invalid window is refused with details', () => {
    const cases: [string | undefined, string | undefined, string][] = [
      ['09:00', undefined, 'give both or neither'],
      ['9:00', '17:00', 'start_time: "9:00" is not a time of day'],
      ['09:00', '24:00', 'end_time: "24:00" is not a time of day'],
    ];
    for (const [startTime, endTime, detail] of cases) {
      const error = given(taskGroupDecider)
        .when({ type: 'CreateTaskGroup', groupId, projectId, definition: { name: 'x', startTime, endTime }, at })
        .thenThrows(ValidationError, /Invalid task group window/);
      expect(error.details?.join('\n')).toContain(detail);
    }
  });

  test('clients may set only ACTIVE or DISABLED', () => {
    given(taskGroupDecider)
      .when({ type: 'CreateTaskGroup', groupId, projectId, definition: { name: 'x', status: 'RUNNING' }, at })
      .thenThrows(ValidationError, /use ACTIVE or DISABLED/);
  });

  test('an existing group cannot be created again', () => {
    given(taskGroupDecider, [created]).when({ type: 'CreateTaskGroup', groupId, projectId, definition, at }).thenThrows(ConflictError);
  });
});

describe('UpdateTaskGroup (a full update)', () => {
  test('records the full definition; left-out fields are cleared, the status kept', () => {
    given(taskGroupDecider, [created, disabled])
      .when({ type: 'UpdateTaskGroup', projectId, definition: { name: 'Renamed' }, at: later })
      .then([
        {
          type: 'TaskGroupUpdated',
          data: { groupId, projectId, name: 'Renamed', description: null, status: 'DISABLED', startTime: null, endTime: null, timezone: 'UTC', updatedAt: later },
        },
      ]);
  });

  test('an equal definition emits nothing', () => {
    given(taskGroupDecider, [created]).when({ type: 'UpdateTaskGroup', projectId, definition, at: later }).thenNothing();
  });

  test('changes the status', () => {
    given(taskGroupDecider, [created]).when({ type: 'UpdateTaskGroup', projectId, definition: { ...definition, status: 'DISABLED' }, at }).then([disabled]);
  });

  test('a group of another project is 404; an unknown group is 404; a deleted group is 410', () => {
    given(taskGroupDecider, [created]).when({ type: 'UpdateTaskGroup', projectId: 'p2', definition, at }).thenThrows(NotFoundError, /project p2/);
    given(taskGroupDecider).when({ type: 'UpdateTaskGroup', projectId, definition, at }).thenThrows(NotFoundError);
    given(taskGroupDecider, [created, deleted]).when({ type: 'UpdateTaskGroup', projectId, definition, at }).thenThrows(GoneError);
  });
});

describe('manual start and stop', () => {
  test('records each manual start and stop, repeated ones too', () => {
    const started: TaskGroupEvent = { type: 'TaskGroupStarted', data: { groupId, projectId, manual: true, at: later } };
    given(taskGroupDecider, [created]).when({ type: 'StartTaskGroup', projectId, at: later }).then([started]);
    given(taskGroupDecider, [created, started]).when({ type: 'StartTaskGroup', projectId, at: later }).then([started]);
    given(taskGroupDecider, [created, started])
      .when({ type: 'StopTaskGroup', projectId, at: later })
      .then([{ type: 'TaskGroupStopped', data: { groupId, projectId, manual: true, at: later } }]);
  });

  test('a disabled group cannot be started or stopped', () => {
    given(taskGroupDecider, [created, disabled]).when({ type: 'StartTaskGroup', projectId, at }).thenThrows(ConflictError, /DISABLED.*ACTIVE/);
    given(taskGroupDecider, [created, disabled]).when({ type: 'StopTaskGroup', projectId, at }).thenThrows(ConflictError, /DISABLED/);
  });

  test('a deleted group cannot be started (410)', () => {
    given(taskGroupDecider, [created, deleted]).when({ type: 'StartTaskGroup', projectId, at }).thenThrows(GoneError);
  });
});

describe('DeleteTaskGroup', () => {
  test('records the deletion mode for the process manager', () => {
    given(taskGroupDecider, [created]).when({ type: 'DeleteTaskGroup', projectId, mode: 'detach', at: later }).then([deleted]);
    given(taskGroupDecider, [created])
      .when({ type: 'DeleteTaskGroup', projectId, mode: 'delete_tasks', at: later })
      .then([{ type: 'TaskGroupDeleted', data: { groupId, projectId, mode: 'delete_tasks', deletedAt: later } }]);
  });

  test('deleting twice is a no-op; deleting an unknown group is 404', () => {
    given(taskGroupDecider, [created, deleted]).when({ type: 'DeleteTaskGroup', projectId, mode: 'detach', at }).thenNothing();
    given(taskGroupDecider).when({ type: 'DeleteTaskGroup', projectId, mode: 'detach', at }).thenThrows(NotFoundError);
  });

  test('deleting a group of another project is 404, even once it is deleted', () => {
    given(taskGroupDecider, [created, deleted]).when({ type: 'DeleteTaskGroup', projectId: 'p2', mode: 'detach', at }).thenThrows(NotFoundError);
  });
});
