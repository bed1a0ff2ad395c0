import { Writable } from 'node:stream';
import { type LiveState, ManagementClient, tailExecution, tailTask } from '@cron-observer/sdk';
import type { ApiClient } from '../support/api-client';
import { TEST_ADMIN } from '../support/signed-in';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { createSdkProject, createTask, executionWhen, runCli, type SdkProject, startSdkServer, trigger } from './sdk-fixtures';

/**
 * `tail` follows the project's server-sent events. Every test passes a fallback poll of a minute and
 * waits at most a few seconds for each line: what arrives, arrives because the stream said so.
 */
const NO_POLL = 60_000;
const PROMPTLY = 10_000;

/** A Writable that keeps what the tail prints. */
function output(): { out: Writable; text: () => string; lines: () => string[] } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { out, text: () => text, lines: () => text.split('\n').filter(Boolean) };
}

describe('cron-observer tail follows the live stream', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let client: ManagementClient;
  let token: string;
  let ingest: ApiClient;

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
    project = await createSdkProject(admin);
    ingest = admin.as({ apiKey: project.apiKey });
    ({ token } = await ManagementClient.login(server.url, TEST_ADMIN.email, TEST_ADMIN.password));
    client = new ManagementClient({ url: server.url, token });
  });
  afterAll(() => server.stop());

  // Tails a test started and did not see to their end (it failed first) are stopped before the next test.
  const running: { controller: AbortController; ended: Promise<unknown> }[] = [];
  afterEach(async () => {
    const left = running.splice(0);
    for (const { controller } of left) controller.abort();
    await Promise.all(left.map(({ ended }) => ended));
  });
  function started<T>(start: (signal: AbortSignal) => Promise<T>): { ended: Promise<T>; stop: () => void } {
    const controller = new AbortController();
    const ended = start(controller.signal);
    running.push({ controller, ended: ended.catch(() => undefined) });
    return { ended, stop: () => controller.abort() };
  }

  const shows = (text: () => string, what: string | RegExp) =>
    waitFor(() => (typeof what === 'string' ? text().includes(what) : what.test(text())), { what: `output ${what}`, timeoutMs: PROMPTLY });

  it('prints the header, each status change and each log line as it is reported, then the summary', async () => {
    const task = await createTask(admin, project.id, { name: 'live-task' });
    const id = await trigger(admin, project.id, task.id);
    const { out, text, lines } = output();
    const states: LiveState[] = [];
    const tail = started((signal) => tailExecution(client, id, { out, signal, fallbackPollMs: NO_POLL, liveOptions: { onStateChange: (state) => states.push(state) } })).ended;
    await shows(text, '── PENDING');
    await waitFor(() => states.includes('live'), { what: 'the stream', timeoutMs: PROMPTLY });

    await ingest.patch(`/executions/${id}/status`, { status: 'RUNNING' });
    await shows(text, '── RUNNING');
    await ingest.post(`/executions/${id}/logs`, { message: 'first line', level: 'info' });
    await shows(text, 'first line');
    await ingest.post(`/executions/${id}/logs`, { lines: [{ message: 'second line', level: 'warn' }, { message: 'third line', level: 'error' }] });
    await shows(text, 'third line');
    await ingest.post(`/executions/${id}/finish`, { status: 'SUCCESS', exit_code: 0, duration_ms: 2500 });
    const ended = await settles(tail, 'the tail to end');

    expect(ended.status).toBe('SUCCESS');
    expect(lines()[0]).toMatch(new RegExp(`^── execution ${id} of live-task \\(MANUAL, scheduled `));
    expect(lines().slice(1)).toEqual([
      '── PENDING',
      '── RUNNING',
      expect.stringMatching(/ INFO  first line$/),
      expect.stringMatching(/ WARN  second line$/),
      expect.stringMatching(/ ERROR third line$/),
      '── SUCCESS, in 2.5 s, exit code 0',
    ]);
    expect(states.at(-1)).toBe('closed');
  });

  it('prints every line once and in order when they come in many batches, across pages of the logs route', async () => {
    const task = await createTask(admin, project.id, { name: 'chatty-task' });
    const id = await trigger(admin, project.id, task.id);
    const { out, text, lines } = output();
    const tail = started((signal) => tailExecution(client, id, { out, signal, fallbackPollMs: NO_POLL })).ended;
    await shows(text, '── PENDING');
    const expected: string[] = [];
    for (let batch = 0; batch < 12; batch += 1) {
      const messages = Array.from({ length: 100 }, (_, i) => `line ${batch * 100 + i}`);
      expected.push(...messages);
      const response = await ingest.post(`/executions/${id}/logs`, { lines: messages.map((message) => ({ message, level: 'info' })) });
      expect(response.status).toBeLessThan(300);
    }
    await shows(text, 'line 1199\n');
    await ingest.post(`/executions/${id}/finish`, { status: 'FAILED', error: 'too chatty\nstack' });
    await settles(tail, 'the tail to end');
    const logged = lines()
      .filter((line) => !line.startsWith('──'))
      .map((line) => line.replace(/^.* INFO  /, ''));
    expect(logged).toEqual(expected);
    expect(lines().at(-1)).toMatch(/^── FAILED, in .*: too chatty$/);
  });

  it('tailTask waits for each new execution of the task, woken by the stream, until aborted', async () => {
    const task = await createTask(admin, project.id, { name: 'followed-task' });
    const other = await createTask(admin, project.id, { name: 'other-task' });
    const { out, text } = output();
    const following = started((signal) => tailTask(client, project.id, task.id, { out, signal, fallbackPollMs: NO_POLL }));
    try {
      await shows(text, '── waiting for the next execution of followed-task…');

      // Another task's execution is not followed.
      const unrelated = await trigger(admin, project.id, other.id);
      const first = await trigger(admin, project.id, task.id);
      await shows(text, `── execution ${first} of followed-task`);
      await ingest.post(`/executions/${first}/logs`, { message: 'run one', level: 'info' });
      await ingest.post(`/executions/${first}/finish`, { status: 'SUCCESS' });
      await shows(text, /── SUCCESS.*\n── waiting for the next execution of followed-task…\n$/);

      const second = await trigger(admin, project.id, task.id);
      await shows(text, `── execution ${second} of followed-task`);
      await ingest.post(`/executions/${second}/finish`, { status: 'FAILED', error: 'broken' });
      await shows(text, /── FAILED.*: broken\n/);
      expect(text()).not.toContain(unrelated);
    } finally {
      following.stop();
    }
    await expect(settles(following.ended, 'the aborted tail to end')).resolves.toBeNull();
    expect(text()).toContain('run one');
    expect(text().match(/── waiting for the next execution/g)).toHaveLength(3);
  });

  it('reopens the stream with backoff when it cannot be opened or drops, and catches up on what came meanwhile', async () => {
    const task = await createTask(admin, project.id, { name: 'flaky-stream-task' });
    const id = await trigger(admin, project.id, task.id);
    let opened = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const flaky = new ManagementClient({
      url: server.url,
      token,
      fetch: async (request: Request) => {
        if (!new URL(request.url).pathname.endsWith('/events')) return fetch(request);
        opened += 1;
        if (opened === 1) return new Response('{"error":"not now"}', { status: 503, headers: { 'content-type': 'application/json' } });
        if (opened === 2) return dropAfterReady(await fetch(request));
        if (opened === 3) await released;
        return fetch(request);
      },
    });
    const { out, text } = output();
    const states: string[] = [];
    const tail = started((signal) =>
      tailExecution(flaky, id, { out, signal, fallbackPollMs: NO_POLL, liveOptions: { reconnectDelayMs: 50, onStateChange: (state) => states.push(state) } }),
    ).ended;
    // 503, then a stream that drops after `ready`, then a reconnection held back by the test.
    await waitFor(() => opened === 3, { what: 'the third attempt', timeoutMs: PROMPTLY });
    expect(states.filter((state) => state === 'reconnecting')).toHaveLength(2);
    await ingest.patch(`/executions/${id}/status`, { status: 'RUNNING' });
    await ingest.post(`/executions/${id}/logs`, { message: 'while the stream was away', level: 'info' });
    await executionWhen(admin, id, (e) => e.logs_count === 1);
    release();
    await shows(text, 'while the stream was away');
    expect(text()).toContain('── RUNNING');

    await ingest.post(`/executions/${id}/logs`, { message: 'after reconnecting', level: 'info' });
    await shows(text, 'after reconnecting');
    await ingest.post(`/executions/${id}/finish`, { status: 'SUCCESS' });
    await settles(tail, 'the tail to end');
    expect(text().match(/while the stream was away/g)).toHaveLength(1);
  });

  it('the CLI follows an execution live to its end with a read key, then exits (the stream closed)', async () => {
    const task = await createTask(admin, project.id, { name: 'cli-tailed' });
    const id = await trigger(admin, project.id, task.id);
    const key = await admin.post(`/projects/${project.id}/api-keys`, { name: 'tail', scope: 'read' });
    expect(key.status).toBe(201);
    let stdout = '';
    const env = { CRON_OBSERVER_URL: server.url, CRON_OBSERVER_API_KEY: key.body.api_key as string };
    const run = runCli(['tail', id, '--fallback-poll', String(NO_POLL)], env, 30_000, (soFar) => {
      stdout = soFar;
    });
    const printed = () => stdout;
    await waitFor(() => printed().includes('── PENDING'), { what: 'the CLI to start', timeoutMs: 15_000 });
    await ingest.patch(`/executions/${id}/status`, { status: 'RUNNING' });
    await shows(printed, '── RUNNING');
    await ingest.post(`/executions/${id}/logs`, { message: 'from the CLI run', level: 'info' });
    await shows(printed, 'from the CLI run');
    await ingest.post(`/executions/${id}/logs`, { message: 'second from the CLI run', level: 'info' });
    await shows(printed, 'second from the CLI run');
    await ingest.post(`/executions/${id}/finish`, { status: 'SUCCESS', exit_code: 0 });
    const result = await run;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/── RUNNING\n.*INFO  from the CLI run\n.*INFO  second from the CLI run\n── SUCCESS, in .*, exit code 0\n$/);
  });
});

/** The promise's value, or a failure naming `what` if it has not settled within PROMPTLY. */
async function settles<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${PROMPTLY} ms waiting for ${what}`)), PROMPTLY);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The same stream, failing once its `ready` message has gone through (a dropped connection). */
function dropAfterReady(response: Response): Response {
  const reader = response.body!.getReader();
  let seen = '';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (seen.includes('event: ready')) {
        await reader.cancel();
        controller.error(new Error('connection dropped'));
        return;
      }
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += new TextDecoder().decode(value);
      controller.enqueue(value);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
