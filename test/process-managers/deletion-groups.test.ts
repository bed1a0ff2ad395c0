import { newCommandContext } from '../../src/commands/command-context';
import { handleCommand, loadAggregate } from '../../src/commands/handle-command';
import { taskGroupDecider } from '../../src/commands/task-group/task-group-decider';
import { taskDecider } from '../../src/commands/task/task-decider';
import { deletionStream } from '../../src/events/deletion-events';
import { taskGroupStream, taskStream } from '../../src/events/streams';
import type { TaskGroupDeletionMode } from '../../src/events/task-group-events';
import { listGroupTasks } from '../../src/queries/list-tasks';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import { waitFor } from '../support/wait-for';
import { FakeTimeServer } from './deletion-support';

describe('deleting a task group leaves no task pointing at it', () => {
  const harness = new FakeTimeServer('2026-05-04T10:00:00.000Z');
  let project: TestProject;

  beforeAll(async () => {
    await harness.start();
    project = await createProject(harness.admin);
  });
  afterAll(() => harness.stop());

  const newGroup = async () => {
    const response = await harness.admin.post(`/projects/${project.id}/task-groups`, { name: `group ${Math.random()}` });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const task = (id: string) => harness.admin.get(`/projects/${project.id}/tasks/${id}`);
  const deleted = (taskId: string) =>
    waitFor(
      async () => {
        const saga = await harness.services.events.readStream(deletionStream(taskId)).catch(() => []);
        return saga.some((e) => e.type === 'TaskDeletionCompleted');
      },
      { what: `deletion of ${taskId}`, timeoutMs: 20_000 },
    );
  const detached = (taskId: string) =>
    waitFor(async () => {
      const response = await task(taskId);
      return response.status === 200 && response.body.task_group_id === null && response.body;
    }, { what: `${taskId} detached` });
  /** A group deletion recorded without the request's follow-up (as if the server died right after it). */
  const interruptedGroupDelete = (groupId: string, mode: TaskGroupDeletionMode) =>
    handleCommand(harness.services.events, harness.clock, taskGroupStream(groupId), taskGroupDecider, {
      type: 'DeleteTaskGroup',
      projectId: project.id,
      mode,
      at: harness.clock.now().toISOString(),
    }, newCommandContext('user-x'));

  it('tasks=detach: the tasks stay, out of the group', async () => {
    const groupId = await newGroup();
    const a = await createTask(harness.admin, project.id, { task_group_id: groupId });
    const b = await createTask(harness.admin, project.id, { task_group_id: groupId });
    expect((await harness.admin.delete(`/projects/${project.id}/task-groups/${groupId}?tasks=detach`)).status).toBe(204);
    for (const id of [a.id, b.id]) expect((await task(id)).body).toMatchObject({ status: 'ACTIVE', task_group_id: null });
    expect((await harness.admin.get(`/projects/${project.id}/task-groups/${groupId}`)).status).toBe(404);
  });

  it('tasks=delete: each task goes through the deletion saga', async () => {
    const groupId = await newGroup();
    const a = await createTask(harness.admin, project.id, { task_group_id: groupId });
    const b = await createTask(harness.admin, project.id, { task_group_id: groupId });
    const execution = await triggerTask(harness.admin, project.id, a.id);
    expect((await harness.admin.delete(`/projects/${project.id}/task-groups/${groupId}?tasks=delete`)).status).toBe(204);
    await deleted(a.id);
    await deleted(b.id);
    for (const id of [a.id, b.id]) expect((await task(id)).status).toBe(404);
    expect((await harness.admin.get(`/executions/${execution}`)).status).toBe(404);
    expect((await harness.admin.get(`/projects/${project.id}/task-groups/${groupId}`)).status).toBe(404);
    expect(await listGroupTasks(harness.services, groupId)).toEqual([]);
  });

  it('finishes a group deletion whose request was interrupted (live, and at the next start)', async () => {
    const live = await newGroup();
    const t1 = await createTask(harness.admin, project.id, { task_group_id: live });
    await interruptedGroupDelete(live, 'detach');
    await detached(t1.id);

    const atRestart = await newGroup();
    const t2 = await createTask(harness.admin, project.id, { task_group_id: atRestart });
    await harness.caughtUp();
    await harness.server.processManagers.stop(); // nobody reacts to the deletion now
    await interruptedGroupDelete(atRestart, 'delete_tasks');
    await harness.services.projections.waitForPosition(await harness.services.events.headPosition());
    expect((await task(t2.id)).body.task_group_id).toBe(atRestart);
    await harness.restart();
    await deleted(t2.id);
    expect((await task(t2.id)).status).toBe(404);
  });

  it('detaches a task that joined the group in a race with its deletion', async () => {
    const groupId = await newGroup();
    const other = await createTask(harness.admin, project.id);
    expect((await harness.admin.delete(`/projects/${project.id}/task-groups/${groupId}`)).status).toBe(204);
    // An update that checked the group just before it was deleted, and wrote just after.
    const { state } = await loadAggregate(harness.services.events, taskStream(other.id), taskDecider);
    await handleCommand(harness.services.events, harness.clock, taskStream(other.id), taskDecider, {
      type: 'UpdateTask',
      projectId: project.id,
      definition: { ...state!.definition, taskGroupId: groupId },
      at: harness.clock.now().toISOString(),
    }, newCommandContext('user-x'));
    await detached(other.id);
  });
});
