import { request as httpRequest } from 'node:http';
import { StreamNotFoundError } from '../../src/errors/store-errors';
import { executionLogStream, executionStream } from '../../src/events/streams';
import Router = require('router');
import type { ApiClient } from '../support/api-client';
import { ManualClock } from '../support/manual-clock';
import { startServerWithAdmin } from '../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../support/task-fixtures';
import type { TestServer } from '../support/test-server';

type Kind = 'logs' | 'status';

/** What one way answered and recorded, with the execution's id replaced by `<id>`. */
interface Outcome {
  status: number;
  /** Every header but those of the connection and the date. */
  headers: Record<string, unknown>;
  body: unknown;
  /** The events the request appended to the execution's streams: type, data and metadata but ids. */
  events: unknown[];
  /** Whether the fast path answered (else express did). */
  fastPath: boolean;
}

interface Options {
  key?: string;
  headers?: Record<string, string>;
  /** Brings the fresh execution to the state the case needs, before the report is sent. */
  prepare?: (id: string) => Promise<void>;
  /** Sends the same request this many times (a retry); the last answer is compared. */
  times?: number;
}

const CONNECTION_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
const line = (fields: Record<string, unknown> = {}) => ({ message: 'hello', level: 'info', ...fields });
const lines = (count: number) => ({ lines: Array.from({ length: count }, (_, i) => line({ message: `line ${i}` })) });

/**
 * The executor routes' fast path (src/http/report-fast-path.ts) and express share one validation and
 * one handler (the one tsoa generated), so every report must be answered and recorded alike both ways.
 * A chunked body (no Content-Length) always goes through express; each case is sent once each way, to
 * fresh executions in the same state, with the clock standing still, and the status, headers, body and
 * appended events compared. Each case also checks which way answered, so a case the fast path declined
 * cannot pass unnoticed.
 */
describe('executor reports: fast path and express answer and record alike', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let otherProject: TestProject;
  let taskId: string;
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
    otherProject = await createProject(admin);
    taskId = (await createTask(admin, project.id)).id;
  });
  afterAll(() => server.stop());

  function send(method: string, path: string, rawBody: string, headers: Record<string, string>, chunked: boolean) {
    return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const request = httpRequest(`${server.url}/api/v1${path}`, { method, headers: chunked ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(rawBody)) } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, text }));
      });
      request.on('error', reject);
      if (chunked) request.setHeader('Transfer-Encoding', 'chunked');
      request.end(rawBody);
    });
  }

  async function eventsOf(id: string) {
    const read = (stream: string) => server.services.events.readStream(stream).catch((err: unknown) => (err instanceof StreamNotFoundError ? [] : Promise.reject(err)));
    const streams = await Promise.all([executionStream(id), executionLogStream(id)].map(read));
    return streams.flat().map(({ streamId, revision, type, data, metadata: { eventId: _, causationId: __, ...metadata } }) => ({ streamId, revision, type, data, metadata }));
  }

  async function oneWay(kind: Kind, rawBody: string, chunked: boolean, options: Options): Promise<Outcome> {
    const id = await triggerTask(admin, project.id, taskId);
    await options.prepare?.(id);
    const before = (await eventsOf(id)).length;
    // Express hands every request it takes to its router; the fast path never does.
    const routed = jest.spyOn(Router.prototype as { handle: (...args: unknown[]) => void }, 'handle');
    const headers = { Authorization: options.key ?? project.apiKey, 'Content-Type': 'application/json', 'X-Correlation-Id': 'parity-check', ...options.headers };
    let answer!: Awaited<ReturnType<typeof send>>;
    let fastPath: boolean;
    try {
      for (let i = 0; i < (options.times ?? 1); i++) answer = await send(kind === 'logs' ? 'POST' : 'PATCH', `/executions/${id}/${kind}`, rawBody, headers, chunked);
      fastPath = routed.mock.calls.length === 0;
    } finally {
      routed.mockRestore();
    }
    const wanted = Object.entries(answer.headers).filter(([name]) => !CONNECTION_HEADERS.has(name));
    // Each way reports on its own execution: whatever names it names a different id.
    const withoutId = <T>(value: T): T => JSON.parse(JSON.stringify(value).split(id).join('<id>')) as T;
    return withoutId({
      status: answer.status,
      headers: Object.fromEntries(wanted),
      body: answer.text ? JSON.parse(answer.text) : undefined,
      events: (await eventsOf(id)).slice(before),
      fastPath,
    });
  }

  /** The outcome of the report sent both ways, after checking they are the same and which ways answered. */
  async function bothWays(kind: Kind, body: unknown, options: Options & { raw?: boolean; fastPath?: boolean } = {}): Promise<Outcome> {
    const rawBody = options.raw ? (body as string) : JSON.stringify(body);
    const fast = await oneWay(kind, rawBody, false, options);
    const viaExpress = await oneWay(kind, rawBody, true, options);
    expect(viaExpress.fastPath).toBe(false);
    expect(fast.fastPath).toBe(options.fastPath ?? true);
    expect({ ...fast, fastPath: undefined }).toEqual({ ...viaExpress, fastPath: undefined });
    expect(fast.headers['content-type']).toBe('application/json; charset=utf-8');
    if (fast.status >= 400) expect(fast.events).toEqual([]);
    return fast;
  }

  const error16k = 'e'.repeat(16_384);
  it.each<[string, Kind, unknown, number]>([
    ['a log line', 'logs', line(), 200],
    ['a log line with a client timestamp', 'logs', line({ level: 'WARN', timestamp: '2026-01-01T00:00:00+02:00' }), 200],
    ['a log line with a null timestamp', 'logs', line({ timestamp: null }), 200],
    ['a batch of lines', 'logs', { lines: [line({ level: 'debug' }), line({ level: 'error', timestamp: null })] }, 200],
    ['a batch of 1000 lines (the most one request may carry)', 'logs', lines(1000), 200],
    ['a batch of 1001 lines', 'logs', lines(1001), 413],
    ['a line longer than 16 KiB', 'logs', line({ message: 'x'.repeat(16 * 1024 + 1) }), 413],
    ['an unknown level', 'logs', line({ level: 'loud' }), 400],
    ['a number for a level', 'logs', line({ level: 3 }), 400],
    ['an empty message', 'logs', line({ message: '' }), 400],
    ['a timestamp without a time zone', 'logs', line({ timestamp: '2026-01-01T00:00:00' }), 400],
    ['a number for a timestamp', 'logs', line({ timestamp: 1767225600 }), 400],
    ['a line without a level', 'logs', { message: 'hello' }, 400],
    ['a number for a message', 'logs', line({ message: 42 }), 400],
    ['an unknown field (ignored and named, as the original did)', 'logs', line({ colour: 'red' }), 200],
    ['an unknown field in a batch line', 'logs', { lines: [line(), line({ colour: 'red' })] }, 200],
    ['an unknown field beside the lines', 'logs', { ...lines(2), source: 'cron' }, 200],
    ['an empty batch', 'logs', { lines: [] }, 400],
    ['lines that are not an array', 'logs', { lines: 'a, b' }, 400],
    ['a batch holding a string', 'logs', { lines: [line(), 'b'] }, 400],
    ['an array for a body', 'logs', [line()], 400],
    ['a string for a body', 'logs', 'hello', 400],
    ['null for a body', 'logs', null, 400],
    ['an empty object', 'logs', {}, 400],
    ...(['PENDING', 'RUNNING', 'SUCCESS', 'FAILED'] as const).map((status): [string, Kind, unknown, number] => [`the status ${status}`, 'status', { status }, 200]),
    ['FAILED with its error', 'status', { status: 'FAILED', error: 'disk full' }, 200],
    ['FAILED with an error of 16,384 characters', 'status', { status: 'FAILED', error: error16k }, 200],
    ['FAILED with an error of 16,385 characters', 'status', { status: 'FAILED', error: `${error16k}e` }, 400],
    ['a null error', 'status', { status: 'SUCCESS', error: null }, 200],
    ['a number for an error', 'status', { status: 'FAILED', error: 500 }, 400],
    ['the attempt 1', 'status', { status: 'RUNNING', attempt: 1 }, 200],
    ['a null attempt', 'status', { status: 'RUNNING', attempt: null }, 200],
    ['the attempt 0', 'status', { status: 'RUNNING', attempt: 0 }, 400],
    ['the attempt 21', 'status', { status: 'RUNNING', attempt: 21 }, 400],
    ['a fractional attempt', 'status', { status: 'RUNNING', attempt: 1.5 }, 400],
    ['a string for an attempt', 'status', { status: 'RUNNING', attempt: '1' }, 400],
    ['an unknown status', 'status', { status: 'DONE' }, 400],
    ['a status in lower case', 'status', { status: 'running' }, 400],
    ['a status without its field', 'status', { error: 'x' }, 400],
    ['a status with an unknown field', 'status', { status: 'SUCCESS', exit: 0 }, 200],
    ['a status in a list', 'status', [{ status: 'SUCCESS' }], 400],
  ])('%s', async (_, kind, body, status) => {
    const outcome = await bothWays(kind, body);
    expect(outcome.status).toBe(status);
    // PENDING is where a triggered execution already is: a repeat changes nothing.
    if (status === 200 && (body as { status?: string }).status !== 'PENDING') expect(outcome.events).not.toEqual([]);
    if (status >= 400) expect(outcome.body).toEqual({ error: expect.any(String), ...((outcome.body as { details?: unknown }).details ? { details: expect.any(Array) } : {}) });
  });

  it('names the unknown fields it ignored in a Warning header, both ways', async () => {
    const outcome = await bothWays('status', { status: 'SUCCESS', exit: 0, note: 'x' });
    expect(outcome.headers.warning).toBe('299 - "Unknown fields ignored: exit, note"');
  });

  it.each([
    ['malformed JSON', '{"message": "unterminated'],
    ['an empty body', ' '],
    ['a body nested too deeply', `{"message": "x", "level": "info", "timestamp": ${'['.repeat(40)}${']'.repeat(40)}}`],
    ['a NUL character', '{"message": "a\\u0000b", "level": "info"}'],
  ])('answers %s alike', async (_, raw) => {
    expect((await bothWays('logs', raw, { raw: true })).status).toBe(400);
  });

  it('answers a report with an Idempotency-Key, its retry, and a malformed key alike', async () => {
    const keyed = { headers: { 'Idempotency-Key': 'report-1' } };
    expect((await bothWays('status', { status: 'RUNNING' }, keyed)).status).toBe(200);
    const retried = await bothWays('logs', line(), { ...keyed, times: 2 });
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.events).toHaveLength(1);
    expect((await bothWays('status', { status: 'RUNNING' }, { headers: { 'Idempotency-Key': 'not a key!' } })).status).toBe(400);
  });

  it("answers a member's session token alike", async () => {
    const token = (admin.credentials as { token: string }).token;
    const outcome = await bothWays('logs', line(), { key: `Bearer ${token}` });
    expect(outcome.status).toBe(200);
    expect(outcome.events).toMatchObject([{ metadata: { actor: expect.any(String) } }]);
  });

  it('answers an unknown or revoked key (express, both ways) and a key of another project alike', async () => {
    expect((await bothWays('logs', line(), { key: 'co_not-a-real-key', fastPath: false })).status).toBe(401);
    expect(await bothWays('status', { status: 'SUCCESS' }, { key: `Bearer ${otherProject.apiKey}` })).toMatchObject({
      status: 404,
      body: { error: 'Execution <id> does not exist' },
    });
  });

  it('answers a report that contradicts an earlier one alike (409)', async () => {
    const prepare = async (id: string) => {
      expect((await project.executor.patch(`/executions/${id}/status`, { status: 'FAILED' })).status).toBe(200);
    };
    expect((await bothWays('status', { status: 'SUCCESS' }, { prepare })).status).toBe(409);
  });

  it('answers an unknown execution alike (404)', async () => {
    const answers = await Promise.all(
      [false, true].map((chunked) =>
        send('POST', '/executions/00000000-0000-4000-8000-000000000000/logs', JSON.stringify(line()), { Authorization: project.apiKey }, chunked),
      ),
    );
    const withoutDate = ({ headers: { date: _, connection: __, 'transfer-encoding': ___, ...headers }, ...rest }: (typeof answers)[number]) => ({ ...rest, headers });
    expect(withoutDate(answers[0]!)).toEqual(withoutDate(answers[1]!));
    expect(answers[0]!.status).toBe(404);
  });
});
