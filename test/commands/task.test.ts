import type { TaskDefinitionInput } from '../../src/commands/task/task-commands';
import { taskDecider } from '../../src/commands/task/task-decider';
import { ConflictError, GoneError, NotFoundError, ValidationError } from '../../src/errors/app-error';
import type { TaskCreated, TaskDefinition, TaskEvent } from '../../src/events/task-events';
import { given } from '../support/given-when-then';

const taskId = 't1';
const projectId = 'p1';
const at = '2025-03-01T10:00:00.000Z';
const later = '2025-03-02T10:00:00.000Z';

const definition: TaskDefinition = {
  taskGroupId: 'g1',
  name: 'nightly-report',
  description: 'Sends the report',
  scheduleType: 'RECURRING',
  scheduleConfig: { cron_expression: '0 2 * * *', timezone: 'Europe/Paris' },
  timeoutSeconds: 600,
  metadata: { team: 'billing' },
  executionMode: 'push',
  startDeadlineSeconds: 60,
  alertPolicy: { afterFailures: 2, notifyRecovery: true, realertMinutes: null },
};
const minimal: TaskDefinitionInput = {
  name: 'nightly-report',
  scheduleType: 'RECURRING',
  scheduleConfig: { cron_expression: '0 2 * * *', timezone: 'Europe/Paris' },
  executionMode: 'pull',
};
const cleared: TaskDefinition = {
  ...definition,
  ...minimal,
  taskGroupId: null,
  description: null,
  timeoutSeconds: null,
  metadata: null,
  startDeadlineSeconds: null,
  alertPolicy: null,
};

const created: TaskCreated = { type: 'TaskCreated', data: { taskId, projectId, ...definition, status: 'ACTIVE', createdAt: at } };
const disabled: TaskEvent = { type: 'TaskStatusChanged', data: { taskId, projectId, status: 'DISABLED', updatedAt: at } };
const deletionRequested: TaskEvent = { type: 'TaskDeletionRequested', data: { taskId, projectId, requestedBy: 'u1', requestedAt: later } };
const deletionFailed: TaskEvent = { type: 'TaskDeletionFailed', data: { taskId, projectId, reason: 'store unavailable', failedAt: later } };
const deleted: TaskEvent = { type: 'TaskDeleted', data: { taskId, projectId, deletedAt: later } };

describe('CreateTask', () => {
  test('creates an ACTIVE task carrying its full definition', () => {
    given(taskDecider).when({ type: 'CreateTask', taskId, projectId, definition, at }).then([created]);
  });

  test('optional fields left out are null, and DISABLED may be chosen', () => {
    given(taskDecider)
      .when({ type: 'CreateTask', taskId, projectId, definition: minimal, status: 'DISABLED', at })
      .then([{ type: 'TaskCreated', data: { taskId, projectId, ...cleared, status: 'DISABLED', createdAt: at } }]);
  });

  test('a client cannot create a task in a deletion status', () => {
    given(taskDecider)
      .when({ type: 'CreateTask', taskId, projectId, definition, status: 'PENDING_DELETE', at })
      .thenThrows(ValidationError, /use ACTIVE or DISABLED/);
  });

  test('an existing task cannot be created again', () => {
    given(taskDecider, [created]).when({ type: 'CreateTask', taskId, projectId, definition, at }).thenThrows(ConflictError, /already exists/);
  });
});

describe('UpdateTask (a full update)', () => {
  test('records the full definition after the update', () => {
    given(taskDecider, [created])
      .when({ type: 'UpdateTask', projectId, definition: { ...definition, timeoutSeconds: 900 }, at: later })
      .then([{ type: 'TaskUpdated', data: { taskId, projectId, ...definition, timeoutSeconds: 900, updatedAt: later } }]);
  });

  test('optional fields left out are cleared, including the group', () => {
    given(taskDecider, [created])
      .when({ type: 'UpdateTask', projectId, definition: minimal, at: later })
      .then([{ type: 'TaskUpdated', data: { taskId, projectId, ...cleared, updatedAt: later } }]);
  });

  test('an equal definition emits nothing, whatever its key order', () => {
    const reordered = Object.fromEntries(Object.entries(definition).reverse()) as unknown as TaskDefinition;
    given(taskDecider, [created]).when({ type: 'UpdateTask', projectId, definition: reordered, status: 'ACTIVE', at: later }).thenNothing();
  });

  test('a status in the body is applied too', () => {
    given(taskDecider, [created])
      .when({ type: 'UpdateTask', projectId, definition, status: 'DISABLED', at })
      .then([disabled]);
  });

  test('a status in the body cannot be a deletion status', () => {
    given(taskDecider, [created])
      .when({ type: 'UpdateTask', projectId, definition, status: 'DELETE_FAILED', at })
      .thenThrows(ValidationError, /cannot be set/);
  });

  test('a task of another project is 404', () => {
    given(taskDecider, [created])
      .when({ type: 'UpdateTask', projectId: 'p2', definition, at })
      .thenThrows(NotFoundError, /does not exist in project p2/);
  });

  test('an unknown task is 404', () => {
    given(taskDecider).when({ type: 'UpdateTask', projectId, definition, at }).thenThrows(NotFoundError, /does not exist/);
  });

  test('a task being deleted, or whose deletion failed, refuses updates with 409', () => {
    for (const history of [[created, deletionRequested], [created, deletionRequested, deletionFailed]]) {
      given(taskDecider, history)
        .when({ type: 'UpdateTask', projectId, definition: minimal, at })
        .thenThrows(ConflictError, /being deleted.*delete it again/);
    }
  });

  test('a deleted task is 410', () => {
    given(taskDecider, [created, deletionRequested, deleted])
      .when({ type: 'UpdateTask', projectId, definition, at })
      .thenThrows(GoneError, /has been deleted/);
  });
});

describe('ChangeTaskStatus', () => {
  test('disables and re-enables', () => {
    given(taskDecider, [created]).when({ type: 'ChangeTaskStatus', projectId, status: 'DISABLED', at }).then([disabled]);
    given(taskDecider, [created, disabled])
      .when({ type: 'ChangeTaskStatus', projectId, status: 'ACTIVE', at: later })
      .then([{ type: 'TaskStatusChanged', data: { taskId, projectId, status: 'ACTIVE', updatedAt: later } }]);
  });

  test('setting the same status again is a no-op', () => {
    given(taskDecider, [created]).when({ type: 'ChangeTaskStatus', projectId, status: 'ACTIVE', at }).thenNothing();
  });

  test('clients may set only ACTIVE or DISABLED', () => {
    for (const status of ['PENDING_DELETE', 'DELETE_FAILED', 'active', 'RUNNING']) {
      given(taskDecider, [created]).when({ type: 'ChangeTaskStatus', projectId, status, at }).thenThrows(ValidationError, /use ACTIVE or DISABLED/);
    }
  });

  test('a task being deleted refuses status changes with 409', () => {
    given(taskDecider, [created, deletionRequested])
      .when({ type: 'ChangeTaskStatus', projectId, status: 'DISABLED', at })
      .thenThrows(ConflictError, /PENDING_DELETE/);
  });

  test('a task of another project is 404', () => {
    given(taskDecider, [created]).when({ type: 'ChangeTaskStatus', projectId: 'p2', status: 'DISABLED', at }).thenThrows(NotFoundError);
  });
});

describe('task deletion', () => {
  const request = { type: 'RequestTaskDeletion' as const, projectId, requestedBy: 'u1', at: later };

  test('a request starts the saga (PENDING_DELETE)', () => {
    const state = given(taskDecider, [created, disabled]).when(request).then([deletionRequested]);
    expect(state?.status).toBe('PENDING_DELETE');
  });

  test('a repeated request while pending is a no-op', () => {
    given(taskDecider, [created, deletionRequested]).when(request).thenNothing();
  });

  test('a request after a failure retries', () => {
    given(taskDecider, [created, deletionRequested, deletionFailed]).when(request).then([deletionRequested]);
  });

  test('deleting a deleted task is a no-op (ALREADY_DELETED)', () => {
    given(taskDecider, [created, deletionRequested, deleted]).when(request).thenNothing();
  });

  test('deleting an unknown task is 404', () => {
    given(taskDecider).when(request).thenThrows(NotFoundError);
  });

  test('deleting a task of another project is 404, even once it is deleted', () => {
    given(taskDecider, [created]).when({ ...request, projectId: 'p2' }).thenThrows(NotFoundError);
    given(taskDecider, [created, deletionRequested, deleted]).when({ ...request, projectId: 'p2' }).thenThrows(NotFoundError);
  });

  test('the saga reports a failure (DELETE_FAILED), once', () => {
    const state = given(taskDecider, [created, deletionRequested])
      .when({ type: 'FailTaskDeletion', reason: 'store unavailable', at: later })
      .then([deletionFailed]);
    expect(state?.status).toBe('DELETE_FAILED');
    given(taskDecider, [created, deletionRequested, deletionFailed])
      .when({ type: 'FailTaskDeletion', reason: 'again', at: later })
      .thenNothing();
  });

  test('a failure without a deletion in progress is 409', () => {
    given(taskDecider, [created]).when({ type: 'FailTaskDeletion', reason: 'x', at }).thenThrows(ConflictError, /No deletion/);
  });

  test('the saga completes the deletion, once', () => {
    const state = given(taskDecider, [created, deletionRequested]).when({ type: 'CompleteTaskDeletion', at: later }).then([deleted]);
    expect(state?.deleted).toBe(true);
    given(taskDecider, [created, deletionRequested, deleted]).when({ type: 'CompleteTaskDeletion', at: later }).thenNothing();
  });

  test('completing without a deletion in progress is 409', () => {
    given(taskDecider, [created]).when({ type: 'CompleteTaskDeletion', at }).thenThrows(ConflictError, /status ACTIVE/);
    given(taskDecider, [created, deletionRequested, deletionFailed])
      .when({ type: 'CompleteTaskDeletion', at })
      .thenThrows(ConflictError, /status DELETE_FAILED/);
  });
});

describe('DetachTaskFromGroup', () => {
  test('takes the task out of the deleted group', () => {
    given(taskDecider, [created])
      .when({ type: 'DetachTaskFromGroup', groupId: 'g1', at: later })
      .then([{ type: 'TaskUpdated', data: { taskId, projectId, ...definition, taskGroupId: null, updatedAt: later } }]);
  });

  test('works while the task is being deleted (it repairs a reference)', () => {
    given(taskDecider, [created, deletionRequested])
      .when({ type: 'DetachTaskFromGroup', groupId: 'g1', at: later })
      .then([{ type: 'TaskUpdated', data: { taskId, projectId, ...definition, taskGroupId: null, updatedAt: later } }]);
  });

  test('is a no-op for a task in another group, or deleted', () => {
    given(taskDecider, [created]).when({ type: 'DetachTaskFromGroup', groupId: 'g2', at }).thenNothing();
    given(taskDecider, [created, deletionRequested, deleted]).when({ type: 'DetachTaskFromGroup', groupId: 'g1', at }).thenNothing();
  });
});

describe('tags', () => {
  const tagged = { ...definition, tags: ['billing', 'nightly'] };
  const taggedCreated: TaskCreated = { type: 'TaskCreated', data: { taskId, projectId, ...tagged, status: 'ACTIVE', createdAt: at } };

  test('are part of the definition; none are left out of the event, so older definitions compare equal', () => {
    given(taskDecider).when({ type: 'CreateTask', taskId, projectId, definition: tagged, at }).then([taskCreatedWith(tagged)]);
    given(taskDecider, [created]).when({ type: 'UpdateTask', projectId, definition: { ...definition, tags: [] }, at: later }).thenNothing();
    given(taskDecider, [taggedCreated]).when({ type: 'UpdateTask', projectId, definition: tagged, at: later }).thenNothing();
  });

  test('a definition without them clears them', () => {
    given(taskDecider, [taggedCreated])
      .when({ type: 'UpdateTask', projectId, definition, at: later })
      .then([{ type: 'TaskUpdated', data: { taskId, projectId, ...definition, updatedAt: later } }]);
  });

  function taskCreatedWith(d: TaskDefinition): TaskCreated {
    return { type: 'TaskCreated', data: { taskId, projectId, ...d, status: 'ACTIVE', createdAt: at } };
  }
});
