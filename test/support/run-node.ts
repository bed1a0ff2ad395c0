import { spawn } from 'node:child_process';
import { distPath } from './dist';
import { testEngineEnv } from './test-stores';

export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled script of the project (see distPath) with extra environment and waits for it to end. */
export function runNode(sourcePath: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [distPath(sourcePath), ...args], { env: { ...process.env, ...(env.DATA_DIR ? testEngineEnv(env.DATA_DIR) : {}), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
