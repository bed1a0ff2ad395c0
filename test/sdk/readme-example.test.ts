import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../support/api-client';
import type { TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';
import { allLogs, closedPort, createSdkProject, createTask, executionWhen, SDK_DIR, startSdkServer, trigger } from './sdk-fixtures';

const EXAMPLE = join(SDK_DIR, 'examples', 'executor.ts');

describe("the SDK README's executor", () => {
  it('is examples/executor.ts verbatim, and under twenty lines', () => {
    const readme = readFileSync(join(SDK_DIR, 'README.md'), 'utf8');
    const block = /<!-- example: examples\/executor\.ts -->\n```ts\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const source = readFileSync(EXAMPLE, 'utf8');
    expect(block![1]).toBe(source);
    expect(source.trimEnd().split('\n').length).toBeLessThan(20);
  });

  describe('run as a program', () => {
    let server: TestServer;
    let admin: ApiClient;
    let child: ChildProcess;
    let output = '';

    beforeAll(async () => {
      ({ server, admin } = await startSdkServer());
    });
    afterAll(async () => {
      child?.kill();
      await server.stop();
    });

    it('receives dispatches and reports SUCCESS with its metric, or FAILED when its job throws', async () => {
      const project = await createSdkProject(admin);
      const port = await closedPort();
      // The compiled example (npm test builds the SDK first), configured only by its environment.
      child = spawn(process.execPath, [join(SDK_DIR, 'dist', 'examples', 'executor.js')], {
        env: {
          PATH: process.env.PATH,
          PORT: String(port),
          CRON_OBSERVER_URL: server.url,
          CRON_OBSERVER_API_KEY: project.apiKey,
          CRON_OBSERVER_SIGNING_SECRET: project.signingSecret,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => null))?.status === 405, { what: 'the example listening' });
      await admin.put(`/projects/${project.id}`, { execution_endpoint: `http://127.0.0.1:${port}/` });

      const task = await createTask(admin, project.id, { name: 'send-invoices', metadata: { batch_size: 5 } });
      const id = await trigger(admin, project.id, task.id);
      const execution = await executionWhen(admin, id, (e) => e.status === 'SUCCESS' && e.logs_count === 1);
      expect(execution.metrics).toEqual({ invoices_sent: 5 });
      expect((await allLogs(admin, id))[0]!.message).toBe(`sending the invoices due ${execution.scheduled_at}`);

      await admin.put(`/projects/${project.id}/tasks/${task.id}`, {
        name: 'send-invoices',
        schedule_type: 'RECURRING',
        schedule_config: task.schedule_config,
        metadata: { batch_size: 0 },
      });
      const failedId = await trigger(admin, project.id, task.id);
      const failed = await executionWhen(admin, failedId, (e) => e.status === 'FAILED');
      expect(failed.error).toMatch(/^Error: no invoice could be sent\n\s+at /);
      expect(failed.metrics).toEqual({ invoices_sent: 0 });
      expect(output).toBe('');
    });
  });
});
