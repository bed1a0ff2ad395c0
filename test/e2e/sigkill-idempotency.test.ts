import { executionLogStream, executionStream } from '../../src/events/streams';
import { crashTestData } from '../support/server-process';
import { logInAs } from '../support/signed-in';
import { createProject, createTask, triggerTask } from '../support/task-fixtures';
import { waitFor } from '../support/wait-for';

const ADMIN = { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' };
/** Real processes on a possibly loaded machine: conditions are waited for generously, asserted exactly. */
const PATIENCE = { timeoutMs: 60_000, intervalMs: 100 };

interface Answer {
  status: number;
  body: unknown;
  replayed: string | null;
}

/**
 * Idempotency-Key answers live in the event store: a report acknowledged by a server that is then
 * SIGKILLed is answered the same by the restarted server and by a second server over the same
 * DATA_DIR, and its events are in the store once.
 */
describe('Idempotency-Key across a SIGKILL and across instances', () => {
  const data = crashTestData('cron-observer-sigkill-idempotency-');

  it('a keyed report answers the same after a restart and on another instance, applied once', async () => {
    const first = await data.start(ADMIN);
    const admin = await logInAs(first.url, ADMIN.ADMIN_EMAIL, ADMIN.ADMIN_PASSWORD);
    const project = await createProject(admin);
    const task = await createTask(admin, project.id);
    const executionId = await triggerTask(admin, project.id, task.id as string);

    const send = async (baseUrl: string, method: string, path: string, body: unknown, key: string, authorization: string): Promise<Answer> => {
      const response = await fetch(`${baseUrl}/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization, 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json(), replayed: response.headers.get('idempotent-replayed') };
    };
    const report = (baseUrl: string, authorization = project.apiKey) =>
      send(baseUrl, 'PATCH', `/executions/${executionId}/status`, { status: 'FAILED', error: 'exit 3' }, 'report-1', authorization);
    const log = (baseUrl: string) => send(baseUrl, 'POST', `/executions/${executionId}/logs`, { lines: [{ message: 'the only line', level: 'error' }] }, 'log-1', project.apiKey);
    /** The ids of the events callers caused (managers may add their own). */
    const callersEvents = async (stream: string) =>
      (await data.events().readStream(stream)).filter((event) => !event.metadata.actor.startsWith('system:')).map((event) => `${event.type} ${event.metadata.eventId}`);

    const reported = await report(first.url);
    const logged = await log(first.url);
    // Killed as soon as both are answered: their answers may or may not have been stored yet.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(reported).toEqual({ status: 200, body: { message: 'Execution status updated successfully', status: 'FAILED' }, replayed: null });
    expect(logged).toEqual({ status: 200, body: { message: 'Log appended successfully' }, replayed: null });
    const reportEvents = await callersEvents(executionStream(executionId));
    expect(reportEvents.map((event) => event.split(' ')[0])).toEqual(['ExecutionCreated', 'ExecutionFailed']);
    expect(await callersEvents(executionLogStream(executionId))).toHaveLength(1);

    const second = await data.start(ADMIN);
    const third = await data.start(ADMIN);
    for (const server of [second, third]) {
      // Raw or Bearer, the same key is the same caller.
      expect({ ...(await report(server.url, `Bearer ${project.apiKey}`)), replayed: null }).toEqual(reported);
      expect({ ...(await log(server.url)), replayed: null }).toEqual(logged);
    }
    expect(await callersEvents(executionStream(executionId))).toEqual(reportEvents);
    expect(await callersEvents(executionLogStream(executionId))).toHaveLength(1);
    // Once an answer is stored, every instance replays it as such.
    await waitFor(async () => (await report(third.url)).replayed === 'true' && (await report(second.url)).replayed === 'true', {
      ...PATIENCE,
      what: 'the stored answer to be replayed by both instances',
    });

    // Sent to one instance, retried on the other; another body with the key is refused on either.
    const onSecond = await send(second.url, 'POST', `/executions/${executionId}/logs`, { message: 'shared', level: 'info' }, 'log-2', project.apiKey);
    const onThird = await send(third.url, 'POST', `/executions/${executionId}/logs`, { message: 'shared', level: 'info' }, 'log-2', project.apiKey);
    expect({ ...onThird, replayed: null }).toEqual(onSecond);
    const conflict = await send(third.url, 'POST', `/executions/${executionId}/logs`, { message: 'other', level: 'info' }, 'log-2', project.apiKey);
    expect(conflict.status).toBe(409);
    expect(await callersEvents(executionLogStream(executionId))).toHaveLength(2);
    second.child.kill('SIGTERM');
    third.child.kill('SIGTERM');
    await Promise.all([second.exited, third.exited]);
  });
});
