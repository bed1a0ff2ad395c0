import { appendExecutionLogs } from '../../src/commands/flows/append-execution-logs';
import { loadExecution } from '../../src/commands/flows/load-execution';
import { newCommandContext } from '../../src/commands/command-context';
import { TooLargeError } from '../../src/errors/app-error';
import { executionStream } from '../../src/events/streams';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { apiKeyClient, createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

describe('executor API', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let taskId: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
    taskId = (await createTask(admin, project.id)).id;
  });
  afterAll(() => server.stop());

  const newExecution = () => triggerTask(admin, project.id, taskId);
  const status = (id: string, body: unknown) => project.executor.patch(`/executions/${id}/status`, body);
  const auditTypes = async (id: string) => (await admin.get(`/executions/${id}/audit`)).body.data.map((e: { type: string }) => e.type);
  /** The execution once the history read model has caught up with `until`. */
  const executionWhen = (id: string, until: (body: Record<string, unknown>) => boolean) =>
    waitFor(async () => {
      const response = await admin.get(`/executions/${id}`);
      return response.status === 200 && until(response.body) && response.body;
    }, { what: `execution ${id}` });

  it('goes from PENDING straight to SUCCESS (old executors never send RUNNING) and measures the duration', async () => {
    const id = await newExecution();
    expect((await status(id, { status: 'SUCCESS' })).body).toEqual({ message: 'Execution status updated successfully', status: 'SUCCESS' });
    const execution = await executionWhen(id, (e) => e.status === 'SUCCESS');
    expect(execution).toMatchObject({ run_started_at: null, duration_ms: expect.any(Number), ended_at: expect.any(String) });
  });

  it('takes FAILED twice: the second changes nothing and the first error is kept', async () => {
    const id = await newExecution();
    expect((await status(id, { status: 'FAILED', error: 'disk full' })).status).toBe(200);
    expect((await status(id, { status: 'FAILED', error: 'something else' })).body).toMatchObject({ status: 'FAILED' });
    expect(await executionWhen(id, (e) => e.status === 'FAILED')).toMatchObject({ error: 'disk full' });
    expect(await auditTypes(id)).toEqual(['ExecutionCreated', 'ExecutionFailed']);
    // Contradicting its own report is a conflict.
    const contradiction = await status(id, { status: 'SUCCESS' });
    expect(contradiction.status).toBe(409);
    expect(contradiction.body.details).toEqual(['status: FAILED']);
  });

  it("reads an execution's stream once for a status report: the command goes on from the revision the access check read", async () => {
    const id = await newExecution();
    const stream = executionStream(id);
    const readStream = jest.spyOn(server.services.events, 'readStream');
    try {
      expect((await status(id, { status: 'RUNNING' })).status).toBe(200);
      const reads = readStream.mock.calls.filter(([name]) => name === stream).map(([, options]) => options?.fromRevision ?? 0);
      // The whole stream once; then only what was appended after it (nothing, here).
      expect(reads).toEqual([0, 1]);
    } finally {
      readStream.mockRestore();
    }
  });

  it('records RUNNING, and refuses going back to PENDING', async () => {
    const id = await newExecution();
    expect((await status(id, { status: 'RUNNING' })).body.status).toBe('RUNNING');
    expect((await status(id, { status: 'PENDING' })).status).toBe(409);
    expect((await project.executor.post(`/executions/${id}/finish`, { status: 'SUCCESS', exit_code: 0, duration_ms: 1234, metrics: { rows: 42 } })).body).toEqual({
      message: 'Execution finished',
      status: 'SUCCESS',
    });
    expect(await executionWhen(id, (e) => e.status === 'SUCCESS')).toMatchObject({
      run_started_at: expect.any(String),
      exit_code: 0,
      duration_ms: 1234,
      metrics: { rows: 42 },
    });
  });

  it('after a cancel: 200 with the current status on the compatibility route (kept as a late report), 409 on finish', async () => {
    const id = await newExecution();
    const cancelled = await admin.post(`/executions/${id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', ended_at: expect.any(String) });
    expect((await status(id, { status: 'SUCCESS' })).body).toEqual({ message: 'Execution status updated successfully', status: 'CANCELLED' });
    const finish = await project.executor.post(`/executions/${id}/finish`, { status: 'SUCCESS' });
    expect(finish.status).toBe(409);
    expect(finish.body.error).toMatch(/already ended by the system as CANCELLED/);
    expect(await auditTypes(id)).toEqual(['ExecutionCreated', 'ExecutionCancelled', 'ExecutionLateReportReceived']);
    expect((await admin.get(`/executions/${id}`)).body.status).toBe('CANCELLED');
    // Cancelling again changes nothing; cancelling an ended run is a conflict.
    expect((await admin.post(`/executions/${id}/cancel`)).status).toBe(200);
    const done = await newExecution();
    await status(done, { status: 'SUCCESS' });
    expect((await admin.post(`/executions/${done}/cancel`)).status).toBe(409);
  });

  it('lets editors and write keys cancel, not ingest keys', async () => {
    const ingest = await apiKeyClient(admin, project.id, 'ingest');
    const id = await newExecution();
    expect((await ingest.post(`/executions/${id}/cancel`)).status).toBe(403);
    expect((await ingest.post(`/executions/${id}/logs`, { message: 'ingest may report', level: 'info' })).status).toBe(200);
    expect((await project.executor.post(`/executions/${id}/cancel`)).body.status).toBe('CANCELLED');
  });

  it('answers 400 with details for bad reports and log lines, 404 for an unknown execution, and records nothing', async () => {
    const id = await newExecution();
    const badStatus = await status(id, { status: 'DONE' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.details.join()).toMatch(/status/);
    expect((await project.executor.post(`/executions/${id}/finish`, { status: 'RUNNING' })).status).toBe(400);
    const badLine = await project.executor.post(`/executions/${id}/logs`, { message: '', level: 'loud' });
    expect(badLine.status).toBe(400);
    expect(badLine.body.details).toEqual(['message: must be a non-empty string', 'level: "loud" is not one of debug, info, warn, error']);
    const badBatch = await project.executor.post(`/executions/${id}/logs`, { lines: [{ message: 'ok', level: 'INFO' }, { message: 'x', level: 'info', timestamp: 'noon' }] });
    expect(badBatch.status).toBe(400);
    expect(badBatch.body.details).toEqual([expect.stringMatching(/^lines\[1\]\.timestamp:/)]);
    expect((await project.executor.post(`/executions/${id}/finish`, { status: 'SUCCESS', extra: 1 })).status).toBe(400);
    expect(await auditTypes(id)).toEqual(['ExecutionCreated']);
    expect((await admin.get(`/executions/${id}/logs`)).body.logs_count).toBe(0);

    const unknown = '00000000-0000-0000-0000-000000000000';
    expect((await status(unknown, { status: 'SUCCESS' })).status).toBe(404);
    expect((await project.executor.post(`/executions/${unknown}/logs`, { message: 'x', level: 'info' })).status).toBe(404);
    expect((await admin.get(`/executions/${unknown}`)).status).toBe(404);
  });

  it('takes batches, and refuses too much log per request and per execution with 413', async () => {
    const id = await newExecution();
    const batch = await project.executor.post(`/executions/${id}/logs`, {
      lines: [
        { message: 'one', level: 'debug', timestamp: '2026-01-01T00:00:00+02:00' },
        { message: 'two', level: 'ERROR' },
      ],
    });
    expect(batch.status).toBe(200);
    const logs = await waitFor(async () => {
      const response = await admin.get(`/executions/${id}/logs`);
      return response.body.logs_count === 2 && response.body;
    });
    expect(logs.data).toEqual([
      { seq: 0, message: 'one', level: 'debug', timestamp: '2025-12-31T22:00:00.000Z', received_at: expect.any(String), attempt: 1 },
      { seq: 1, message: 'two', level: 'error', timestamp: logs.data[1].received_at, received_at: expect.any(String), attempt: 1 },
    ]);

    const tooMany = await project.executor.post(`/executions/${id}/logs`, { lines: Array.from({ length: 1001 }, () => ({ message: 'x', level: 'info' })) });
    expect(tooMany.status).toBe(413);

    // The per-execution limit, with small limits (the real ones are 200,000 lines and 64 MiB).
    const execution = await loadExecution(server.services.events, id);
    const context = newCommandContext('test');
    const limits = { maxLines: 3, maxBytes: 1024 };
    await expect(appendExecutionLogs(server.services, context, execution.ref, { message: 'three', level: 'info' }, limits)).resolves.toBe(1);
    await waitFor(async () => (await admin.get(`/executions/${id}`)).body.logs_count === 3);
    await expect(appendExecutionLogs(server.services, context, execution.ref, { message: 'four', level: 'info' }, limits)).rejects.toThrow(TooLargeError);
  });
});
