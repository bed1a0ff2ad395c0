import { spawn } from 'node:child_process';
import { distPath } from '../support/dist';
import { runNode } from '../support/run-node';
import { makeTempDir } from '../support/temp-dir';
import { testEngineEnv } from '../support/test-stores';
import { waitFor } from '../support/wait-for';

/** The server as `npm start` runs it: a process configured from the environment. */
describe('server process', () => {
  const temp = makeTempDir('server-process-');
  afterAll(() => temp.cleanup());

  it('refuses to start on bad configuration, naming each bad variable', async () => {
    const run = await runNode('src/main.ts', [], { PORT: 'eighty', LOG_LEVEL: 'chatty', DATA_DIR: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PORT: "eighty" is not a port number');
    expect(run.stderr).toContain('LOG_LEVEL: "chatty"');
  });

  it('refuses to start with a weak ADMIN_PASSWORD, naming the rule without printing the password', async () => {
    const run = await runNode('src/main.ts', [], { DATA_DIR: temp.dir, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'correcthorse' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ADMIN_PASSWORD: too easy to guess (strength 1 of 4, at least 3 needed)');
    expect(run.stdout + run.stderr).not.toContain('correcthorse');
  });

  it('starts, answers health, logs JSON lines and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [distPath('src/main.ts')], {
      env: { ...process.env, PORT: '0', DATA_DIR: temp.dir, ...testEngineEnv(temp.dir), LOG_LEVEL: 'info', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const port = await waitFor(() => /"port":(\d+)/.exec(stdout)?.[1], { what: 'the listening log line' });
    const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'Cron Observer stopped']));
  });
});
