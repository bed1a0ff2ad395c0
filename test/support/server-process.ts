import { type ChildProcess, spawn } from 'node:child_process';
import { distPath } from './dist';
import { waitFor } from './wait-for';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or null after a signal). */
  exited: Promise<number | null>;
}

/** `node dist/src/main.js` as `npm start` runs it, on a random port; resolves once it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [distPath('src/main.ts')], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const port = await waitFor(() => /"port":(\d+)/.exec(output)?.[1], { what: `the server to listen:\n${output}`, timeoutMs: 20_000 });
  return { url: `http://127.0.0.1:${port}`, child, output: () => output, exited };
}
