import { request as httpRequest } from 'node:http';
import type { ApiClient } from '../support/api-client';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

interface Answer {
  status: number;
  contentType: string | undefined;
  body: unknown;
}

/**
 * The executor routes' fast path (src/http/report-fast-path.ts) must answer exactly as express does.
 * A chunked body (no Content-Length) always goes through express, so each case is sent both ways, to
 * fresh executions in the same state, and the answers compared.
 */
describe('executor reports: fast path and express answer alike', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let otherProject: TestProject;
  let taskId: string;

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin());
    project = await createProject(admin);
    otherProject = await createProject(admin);
    taskId = (await createTask(admin, project.id)).id;
  });
  afterAll(() => server.stop());

  function send(method: string, path: string, rawBody: string, headers: Record<string, string>, chunked: boolean): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${server.url}/api/v1${path}`, { method, headers: chunked ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(rawBody)) } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, contentType: response.headers['content-type'], body: text ? JSON.parse(text) : undefined }));
      });
      request.on('error', reject);
      if (chunked) request.setHeader('Transfer-Encoding', 'chunked');
      request.end(rawBody);
    });
  }

  /** Sends the same report to two executions prepared alike: once as the fast path takes it, once through express. */
  async function bothWays(kind: 'logs' | 'status', rawBody: string, options: { key?: string; prepare?: (id: string) => Promise<void> } = {}) {
    const answers: Answer[] = [];
    for (const chunked of [false, true]) {
      const id = await triggerTask(admin, project.id, taskId);
      await options.prepare?.(id);
      const headers = { Authorization: options.key ?? project.apiKey, 'Content-Type': 'application/json' };
      const answer = await send(kind === 'logs' ? 'POST' : 'PATCH', `/executions/${id}/${kind}`, rawBody, headers, chunked);
      // Each way reports on its own execution: an answer naming it names a different id.
      answers.push({ ...answer, body: JSON.parse(JSON.stringify(answer.body ?? null).split(id).join('<id>')) });
    }
    const [fast, viaExpress] = answers;
    expect(fast).toEqual(viaExpress);
    return fast!;
  }

  it.each([
    ['a log line', 'logs', { message: 'hello', level: 'info' }, 200],
    ['a log line with a client timestamp', 'logs', { message: 'hello', level: 'WARN', timestamp: '2026-01-01T00:00:00Z' }, 200],
    ['a batch of lines', 'logs', { lines: [{ message: 'a', level: 'debug' }, { message: 'b', level: 'error', timestamp: null }] }, 200],
    ['an unknown level (the domain refuses it)', 'logs', { message: 'hello', level: 'loud' }, 400],
    ['an empty message', 'logs', { message: '', level: 'info' }, 400],
    ['an unknown field (ignored, as the original did)', 'logs', { message: 'hello', level: 'info', colour: 'red' }, 200],
    ['a line without a level', 'logs', { message: 'hello' }, 400],
    ['a number for a message', 'logs', { message: 42, level: 'info' }, 400],
    ['an empty batch', 'logs', { lines: [] }, 400],
    ['a status', 'status', { status: 'RUNNING' }, 200],
    ['FAILED with its error', 'status', { status: 'FAILED', error: 'disk full' }, 200],
    ['an unknown status', 'status', { status: 'DONE' }, 400],
    ['a status with an unknown field', 'status', { status: 'SUCCESS', exit: 0 }, 200],
  ] as const)('%s', async (_, kind, body, status) => {
    const answer = await bothWays(kind, JSON.stringify(body));
    expect(answer.status).toBe(status);
    expect(answer.contentType).toBe('application/json; charset=utf-8');
    if (status >= 400) expect(answer.body).toEqual({ error: expect.any(String), ...((answer.body as { details?: unknown }).details ? { details: expect.any(Array) } : {}) });
  });

  it('answers malformed JSON alike', async () => {
    const answer = await bothWays('logs', '{"message": "unterminated');
    expect(answer).toMatchObject({ status: 400, body: { error: 'Malformed JSON body' } });
  });

  it('answers an unknown or revoked key, and a key of another project, alike', async () => {
    expect((await bothWays('logs', JSON.stringify({ message: 'x', level: 'info' }), { key: 'co_not-a-real-key' })).status).toBe(401);
    expect(await bothWays('status', JSON.stringify({ status: 'SUCCESS' }), { key: `Bearer ${otherProject.apiKey}` })).toMatchObject({
      status: 404,
      body: { error: 'Execution <id> does not exist' },
    });
  });

  it('answers a report that contradicts an earlier one alike (409)', async () => {
    const prepare = async (id: string) => {
      expect((await project.executor.patch(`/executions/${id}/status`, { status: 'FAILED' })).status).toBe(200);
    };
    expect((await bothWays('status', JSON.stringify({ status: 'SUCCESS' }), { prepare })).status).toBe(409);
  });

  it('answers an unknown execution alike (404)', async () => {
    const answers = await Promise.all(
      [false, true].map((chunked) =>
        send('POST', '/executions/00000000-0000-4000-8000-000000000000/logs', JSON.stringify({ message: 'x', level: 'info' }), { Authorization: project.apiKey }, chunked),
      ),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.status).toBe(404);
  });
});
