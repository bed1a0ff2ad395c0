import { FakeTimeServer } from '../process-managers/deletion-support';
import { createProject, createTask, type TestProject, taskBody, triggerTask } from '../support/task-fixtures';
import { waitFor } from '../support/wait-for';

describe('retries through the API (fake time)', () => {
  const harness = new FakeTimeServer('2026-05-04T08:00:00.000Z');
  let project: TestProject;

  beforeAll(async () => {
    await harness.start();
    project = await createProject(harness.admin);
  });
  afterAll(() => harness.stop());

  const retry = { max_attempts: 3, backoff: 'fixed', delay_seconds: 30 };
  const post = (fields: Record<string, unknown>) => harness.admin.post(`/projects/${project.id}/tasks`, taskBody(fields));

  it('stores the policy with its defaults and answers it', async () => {
    const task = await createTask(harness.admin, project.id, { retry: { max_attempts: 4, delay_seconds: 5, max_delay_seconds: 60, jitter: true } });
    expect(task.retry).toEqual({ max_attempts: 4, backoff: 'exponential', delay_seconds: 5, max_delay_seconds: 60, jitter: true, on: ['FAILED', 'TIMED_OUT'], alert: 'exhausted' });
    const plain = await createTask(harness.admin, project.id);
    expect(plain.retry).toBeNull();
    const cleared = await harness.admin.put(`/projects/${project.id}/tasks/${task.id}`, taskBody({ name: task.name, retry: null }));
    expect(cleared.status).toBe(200);
    expect(cleared.body.retry).toBeNull();
  });

  it.each([
    [{ ...retry, max_attempts: 1 }, /retry\.max_attempts/],
    [{ ...retry, max_attempts: 21 }, /retry\.max_attempts/],
    [{ ...retry, delay_seconds: 0 }, /retry\.delay_seconds/],
    [{ ...retry, max_delay_seconds: 60 }, /retry\.max_delay_seconds: applies to exponential backoff only/],
    [{ ...retry, backoff: 'exponential', delay_seconds: 60, max_delay_seconds: 10 }, /retry\.max_delay_seconds: must be at least/],
    [{ ...retry, on: [] }, /retry\.on/],
    [{ ...retry, on: ['FAILED', 'FAILED'] }, /retry\.on: lists an outcome twice/],
    [{ ...retry, on: ['SUCCESS'] }, /on\.\$0: should be one of/],
    [{ ...retry, backoff: 'linear' }, /retry\.backoff/],
    [{ ...retry, alert: 'sometimes' }, /retry\.alert/],
    [{ delay_seconds: 10 }, /retry\.max_attempts/],
  ])('refuses %j with a 400 naming the field', async (body, rule) => {
    const response = await post({ retry: body });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(rule);
  });

  it('refuses retries for external tasks, and DISPATCH_FAILED for pull tasks', async () => {
    const external = await post({ execution_mode: 'external', retry });
    expect(external.status).toBe(400);
    expect(external.body.details).toEqual([expect.stringMatching(/^retry: external runs/)]);
    const pull = await post({ execution_mode: 'pull', retry: { ...retry, on: ['DISPATCH_FAILED'] } });
    expect(pull.status).toBe(400);
    expect(pull.body.details).toEqual([expect.stringMatching(/^retry\.on: DISPATCH_FAILED applies to push tasks only/)]);
  });

  it('runs a failed attempt again as the same execution, then ends with the last attempt', async () => {
    const task = await createTask(harness.admin, project.id, { status: 'DISABLED', execution_mode: 'pull', retry });
    const id = await triggerTask(harness.admin, project.id, task.id);
    await harness.caughtUp();
    expect(await harness.executionWhen(id, (e) => e.status === 'PENDING')).toMatchObject({ attempt: 1, max_attempts: 3, next_attempt_at: null });

    await project.executor.post(`/executions/${id}/logs`, { message: 'attempt one', level: 'info' });
    expect((await project.executor.patch(`/executions/${id}/status`, { status: 'RUNNING' })).status).toBe(200);
    await harness.clock.advance(4_000);
    const failed = await project.executor.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'disk full', exit_code: 2, attempt: 1 });
    expect(failed.body).toMatchObject({ status: 'RETRYING' });
    const retrying = await harness.executionWhen(id, (e) => e.status === 'RETRYING');
    expect(retrying).toMatchObject({ attempt: 1, next_attempt_at: '2026-05-04T08:00:34.000Z', error: 'disk full' });
    expect(retrying.attempts).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'FAILED', started_at: '2026-05-04T08:00:00.000Z', ended_at: '2026-05-04T08:00:04.000Z', error: 'disk full', exit_code: 2 }),
    ]);

    await harness.advanceUntil(async () => (await harness.admin.get(`/executions/${id}`)).body.status === 'PENDING', 10_000, 'attempt 2');
    const second = await harness.executionWhen(id, (e) => e.status === 'PENDING' && e.attempt === 2);
    expect(second).toMatchObject({ id, next_attempt_at: null, error: null, run_started_at: null });
    expect((second.attempts as unknown[]).length).toBe(2);

    // Attempt 2 is claimable again, and says which attempt it is.
    const claim = await project.executor.post(`/projects/${project.id}/executions/claim`, { limit: 1, wait_seconds: 0, task_names: [task.name] });
    expect(claim.status).toBe(200);
    expect(JSON.stringify(claim.body)).toContain(id);

    // Attempt 1's executor reporting SUCCESS now is recorded and does not end attempt 2.
    const late = await project.executor.patch(`/executions/${id}/status`, { status: 'SUCCESS', attempt: 1 });
    expect(late.status).toBe(200);
    expect(late.body.status).toBe('RUNNING');
    const lateV1 = await project.executor.post(`/executions/${id}/finish`, { status: 'SUCCESS', attempt: 1 });
    expect(lateV1.status).toBe(409);
    expect(lateV1.body.details).toContain('attempt: 2');

    // Each attempt's log lines say which attempt they belong to.
    await project.executor.post(`/executions/${id}/logs`, { message: 'attempt two', level: 'info' });
    await harness.caughtUp();
    const lines = (await harness.admin.get(`/executions/${id}/logs`)).body.data as Array<{ message: string; attempt: number }>;
    expect(lines.map((l) => [l.message, l.attempt])).toEqual([['attempt one', 1], ['attempt two', 2]]);

    // Attempts 2 and 3 fail: the last one is the final FAILED.
    await project.executor.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'again', attempt: 2 });
    await harness.advanceUntil(async () => (await harness.admin.get(`/executions/${id}`)).body.attempt === 3, 10_000, 'attempt 3');
    const last = await project.executor.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'third time', attempt: 3 });
    expect(last.body.status).toBe('FAILED');
    const final = await harness.executionWhen(id, (e) => e.status === 'FAILED');
    expect(final).toMatchObject({ attempt: 3, max_attempts: 3, next_attempt_at: null, error: 'third time' });
    expect((final.attempts as Array<{ outcome: string }>).map((a) => a.outcome)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    const audit = ((await harness.admin.get(`/executions/${id}/audit`)).body.data as Array<{ type: string }>).map((e) => e.type);
    expect(audit.filter((t) => t.startsWith('Execution') && !t.startsWith('ExecutionClaim'))).toEqual([
      'ExecutionCreated', 'ExecutionStarted', 'ExecutionAttemptFailed', 'ExecutionRetryStarted', 'ExecutionStarted',
      'ExecutionStaleReportReceived', 'ExecutionAttemptFailed', 'ExecutionRetryStarted', 'ExecutionFailed',
    ]);
  });

  it("a timed-out attempt is retried; the next attempt's timeout counts from its own start", async () => {
    const task = await createTask(harness.admin, project.id, { status: 'DISABLED', execution_mode: 'pull', timeout_seconds: 20, retry: { ...retry, max_attempts: 2 } });
    const id = await triggerTask(harness.admin, project.id, task.id);
    await harness.caughtUp();
    const started = harness.clock.now().getTime();
    await harness.advanceUntil(async () => (await harness.admin.get(`/executions/${id}`)).body.status === 'RETRYING', 5_000, 'attempt 1 timed out');
    const retrying = (await harness.admin.get(`/executions/${id}`)).body;
    expect(retrying.attempts[0]).toMatchObject({ outcome: 'TIMED_OUT', error: 'Timed out after 20 s' });
    // The task's last run is open between attempts.
    const between = (await harness.admin.get(`/projects/${project.id}/tasks/${task.id}`)).body.last_execution;
    expect(between).toMatchObject({ status: 'RETRYING', ended_at: null });
    // Listed by status.
    const listed = await harness.admin.get(`/projects/${project.id}/executions?status=RETRYING`);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(id);
    await waitFor(async () => {
      const lines = (await harness.admin.get(`/executions/${id}/logs`)).body.data as Array<{ message: string; attempt: number }>;
      return lines.some((l) => l.attempt === 1 && /^Timed out after 20 s without a final status \(attempt 1; the next begins at /.test(l.message));
    }, { what: "attempt 1's timed-out log line" });
    await harness.advanceUntil(async () => (await harness.admin.get(`/executions/${id}`)).body.attempt === 2, 5_000, 'attempt 2');
    const second = (await harness.admin.get(`/executions/${id}`)).body;
    const timedOut = await harness.advanceUntil(async () => {
      const body = (await harness.admin.get(`/executions/${id}`)).body;
      return body.status === 'TIMED_OUT' && body;
    }, 5_000, 'attempt 2 timed out');
    expect(Date.parse(timedOut.ended_at) - Date.parse(second.attempts[1].started_at)).toBeGreaterThanOrEqual(20_000);
    expect(Date.parse(timedOut.ended_at) - started).toBeGreaterThanOrEqual(20_000 + 30_000 + 20_000);
  });

  it('a retry that fell due while the server was down begins once it is back, exactly once', async () => {
    const task = await createTask(harness.admin, project.id, { status: 'DISABLED', execution_mode: 'pull', retry });
    const id = await triggerTask(harness.admin, project.id, task.id);
    await harness.caughtUp();
    await project.executor.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'before the restart' });
    const retrying = await harness.executionWhen(id, (e) => e.status === 'RETRYING');
    // Down for 10 minutes, well past the retry time.
    await harness.restart(() => harness.clock.set(new Date(harness.clock.now().getTime() + 10 * 60_000)));
    const second = await harness.executionWhen(id, (e) => e.status === 'PENDING' && e.attempt === 2, 'attempt 2 after the restart');
    const begun = (second.attempts as Array<{ started_at: string }>)[1]!.started_at;
    expect(Date.parse(begun)).toBeGreaterThan(Date.parse(retrying.next_attempt_at as string));
    expect(begun).toBe(harness.clock.now().toISOString()); // at once when back, on the injected clock
    await harness.restart();
    await harness.caughtUp();
    const audit = ((await harness.admin.get(`/executions/${id}/audit`)).body.data as Array<{ type: string }>).map((e) => e.type);
    expect(audit.filter((t) => t === 'ExecutionRetryStarted')).toHaveLength(1);
  });
});
