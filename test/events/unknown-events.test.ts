/**
 * An event of a type this version does not know (written by a newer version sharing the store, say)
 * stops nothing: every projection (in the projection thread) and process manager skips it, nothing is
 * quarantined, and the server warns once and shows the count in /health and /metrics.
 */
import { randomUUID } from 'node:crypto';
import { executionLogStream, executionStream, projectStream, taskStream } from '../../src/events/streams';
import { countQuarantined } from '../../src/quarantine/quarantine-store';
import type { NewEvent } from '../../src/stores/events/event-store';
import type { ApiClient } from '../support/api-client';
import { capturedLogger } from '../support/captured-logger';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

function unknownEvent(type: string): NewEvent {
  return {
    type,
    data: { projectId: 'whatever', shape: 'from the future' },
    metadata: { eventId: randomUUID(), occurredAt: new Date().toISOString(), actor: 'system:future', correlationId: randomUUID(), causationId: randomUUID(), schemaVersion: 1 },
  };
}

describe('events of a type this version does not know', () => {
  let server: TestServer;
  let admin: ApiClient;
  const { logger, entries } = capturedLogger();

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ logger }));
  });
  afterAll(() => server.stop());

  it('are skipped by every reader, counted in health and metrics, and warned about once', async () => {
    const project = await createProject(admin);
    const task = await createTask(admin, project.id);
    const executionId = await triggerTask(admin, project.id, task.id);
    const events = server.services.events;
    // One in each stream a reader follows for this project; two of one type.
    await events.append(projectStream(project.id), [unknownEvent('ProjectArchived')], 'any');
    await events.append(taskStream(task.id), [unknownEvent('TaskPaused')], 'any');
    await events.append(executionStream(executionId), [unknownEvent('ExecutionRetried')], 'any');
    await events.append(executionLogStream(executionId), [unknownEvent('ExecutionRetried')], 'any');

    // Everything after them is still applied and acted on.
    const failed = await project.executor.patch(`/executions/${executionId}/status`, { status: 'FAILED', error: 'boom' });
    expect(failed.status).toBe(200);
    const renamed = await admin.put(`/projects/${project.id}/tasks/${task.id}`, { ...task, name: 'renamed after the unknown events' });
    expect(renamed.status).toBe(200);
    expect((await admin.get(`/projects/${project.id}/tasks/${task.id}`)).body.name).toBe('renamed after the unknown events');
    await server.processManagers.idle();
    await server.services.projections.whenCaughtUp(20_000);
    const execution = await admin.get(`/projects/${project.id}/tasks/${task.id}/executions?date=${new Date().toISOString().slice(0, 10)}`);
    expect(execution.body.data).toEqual([expect.objectContaining({ id: executionId, status: 'FAILED', error: 'boom' })]);
    expect(await countQuarantined(server.services.reads)).toEqual({});

    const expected = [
      { type: 'ExecutionRetried', reason: 'unknown_type', count: 2 },
      { type: 'ProjectArchived', reason: 'unknown_type', count: 1 },
      { type: 'TaskPaused', reason: 'unknown_type', count: 1 },
    ];
    // The projection thread reports what its readers met, as the HTTP thread's readers (process managers) count theirs.
    await waitFor(() => server.services.projections.unknownEvents().length === 3, { what: 'the projection thread to report unknown events' });
    const health = await admin.get('/health');
    expect(health.body).toMatchObject({ status: 'ok', unknown_events: expected });
    const token = admin.credentials && 'token' in admin.credentials ? admin.credentials.token : '';
    const metrics = await fetch(`${server.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^cron_observer_unknown_events\{type="ExecutionRetried",reason="unknown_type"\} 2$/m);
    expect(text).toMatch(/^cron_observer_unknown_events\{type="TaskPaused",reason="unknown_type"\} 1$/m);

    const warnings = entries().filter((entry) => entry.level === 40 && entry.reason === 'unknown_type');
    expect(warnings.map((w) => w.type).sort()).toEqual(['ExecutionRetried', 'ProjectArchived', 'TaskPaused']);
  });
});
