import { randomUUID } from 'node:crypto';
import { QUARANTINE_CHECKPOINT, quarantineOperation, quarantineRecord } from '../../src/quarantine/quarantine-store';
import type { ApiClient } from '../support/api-client';
import { runNode } from '../support/run-node';
import { newSignedInUser, startServerWithAdmin, TEST_ADMIN } from '../support/signed-in';
import { type SmtpTestServer, startSmtpTestServer } from '../support/smtp-test-server';
import { createProject, createTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

/** `{"a": {"a": … 1 …}}`, `levels` objects deep: deeper than the read store can hold in a document. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/**
 * A task whose stored TaskCreated the tasks projection cannot apply (metadata a thousand levels deep,
 * written straight to the event store as an older server without depth limits accepted it) must not
 * stop the projection: it is quarantined, shown, alerted, and everything else stays current.
 */
describe('quarantined events over HTTP', () => {
  let smtp: SmtpTestServer;
  let server: TestServer;
  let admin: ApiClient;
  let projectId: string;
  let poisonStream: string;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    ({ server, admin } = await startServerWithAdmin({}, { SMTP_URL: smtp.url }));
    projectId = (await createProject(admin)).id;
    const model = await createTask(admin, projectId);
    const [created] = await server.services.events.readStream(`task-${model.id}`);
    const taskId = randomUUID();
    poisonStream = `task-${taskId}`;
    const data = { ...(created!.data as Record<string, unknown>), taskId, name: `deep-${taskId}`, metadata: nested(1000) };
    await server.services.events.append(poisonStream, [{ ...created!, data, metadata: { ...created!.metadata, eventId: randomUUID() } }], 'no_stream');
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
  });

  it('sets the deep task aside; a task created afterwards is there at once', async () => {
    const task = await createTask(admin, projectId);
    const read = await admin.get(`/projects/${projectId}/tasks/${task.id}`);
    expect(read.status).toBe(200);
    const listing = await waitFor(
      async () => {
        const response = await admin.get('/admin/quarantine');
        return response.body.events.some((e: { consumer: string }) => e.consumer === 'tasks') && response;
      },
      { what: 'the tasks projection to quarantine the deep task', timeoutMs: 20_000 },
    );
    expect(listing.status).toBe(200);
    expect(listing.body.events.find((e: { consumer: string }) => e.consumer === 'tasks')).toMatchObject({
      kind: 'projection',
      stream: poisonStream,
      revision: 0,
      type: 'TaskCreated',
      position: expect.stringMatching(/^\d+$/),
      error: expect.any(String),
    });
  });

  it('shows the count in health and metrics, and mails the super admins', async () => {
    const health = await admin.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.projections.tasks).toMatchObject({ quarantined: 1, lag: 0 });
    expect(health.body.projections.tasks.error).toBeUndefined();
    expect(health.body.quarantined).toMatchObject({ tasks: 1 });
    const metrics = await fetch(`${server.url}/api/v1/metrics`, { headers: { authorization: `Bearer ${admin.credentials && 'token' in admin.credentials ? admin.credentials.token : ''}` } });
    expect(await metrics.text()).toMatch(/^cron_observer_quarantined_events\{consumer="tasks"\} 1$/m);
    const mail = await smtp.waitForMail((m) => m.subject?.includes('tasks') ?? false, { what: 'the quarantine alert' });
    expect(mail.envelope.to).toEqual([TEST_ADMIN.email]);
    expect(mail.text).toContain(poisonStream);
    expect(mail.text).toContain('retry-quarantined tasks');
    await waitFor(async () => (await admin.get('/admin/quarantine')).body.events.find((e: { consumer: string }) => e.consumer === 'tasks')?.alert === `mailed to ${TEST_ADMIN.email}`, {
      what: 'the alert outcome to be recorded',
    });
  });

  it('lists quarantined events to super admins only', async () => {
    const member = await newSignedInUser(admin, `member-${randomUUID()}@example.com`);
    const refused = await member.get('/admin/quarantine');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/super admin/);
    expect((await admin.as(null).get('/admin/quarantine')).status).toBe(401);
  });

  it('retry-quarantined rebuilds the projection; an event that still fails stays quarantined and the server follows', async () => {
    const before = server.services.registry.generationOf('tasks')!.generation;
    const run = await runNode('src/cli/projections.ts', ['retry-quarantined', 'tasks'], { DATA_DIR: server.dataDir, LOG_LEVEL: 'silent' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('tasks: 0 applied, 1 still quarantined');
    expect(run.code).toBe(2);
    await waitFor(() => server.services.registry.generationOf('tasks')!.generation === before + 1, { what: 'the server to follow the rebuild' });
    const listed = (await admin.get('/admin/quarantine')).body.events.filter((e: { consumer: string }) => e.consumer === 'tasks');
    expect(listed).toEqual([expect.objectContaining({ stream: poisonStream, generation: before + 1 })]);
    // The rebuilt generation answers, and the server goes on applying it live.
    const task = await createTask(admin, projectId);
    expect((await admin.get(`/projects/${projectId}/tasks/${task.id}`)).status).toBe(200);
  });

  it('retry-quarantined asks the leading server to apply a process manager\'s events again', async () => {
    // An event the scheduler once failed on (an older server's bug), which applies now.
    const task = await createTask(admin, projectId);
    const [created] = await server.services.events.readStream(`task-${task.id}`);
    const record = quarantineRecord({ name: 'scheduler', kind: 'process-manager', generation: null }, created!, new Error('an older bug'), new Date());
    await server.services.reads.applyBatch([quarantineOperation(record)], { name: QUARANTINE_CHECKPOINT, position: created!.position });
    expect((await admin.get('/health')).body.quarantined).toMatchObject({ scheduler: 1 });

    const run = await runNode('src/cli/projections.ts', ['retry-quarantined', 'scheduler'], { DATA_DIR: server.dataDir, LOG_LEVEL: 'silent' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('scheduler: 1 applied, 0 still quarantined');
    expect(run.code).toBe(0);
    const listed = (await admin.get('/admin/quarantine')).body.events.map((e: { consumer: string }) => e.consumer);
    expect(listed).not.toContain('scheduler');
    expect((await admin.get('/health')).body.quarantined.scheduler).toBeUndefined();
  });
});
